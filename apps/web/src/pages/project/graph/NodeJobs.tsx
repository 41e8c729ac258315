import { createEffect, createMemo, createResource, createSignal, For, on, onCleanup, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { When } from "../../../components/When";
import { errorMessage, type RouterOutputs, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { LayerNote } from "./LayerSelect";
import type { NodePanelProps } from "./NodePanel";

export type Job = RouterOutputs["jobs"]["list"][number];
type JobState = Job["state"];

/** How often the list reloads while a job is queued or running. */
export const JOB_POLL_MS = 2000;

const BADGE: Record<JobState, string> = {
  queued: "badge-grey",
  running: "",
  completed: "badge-green",
  failed: "badge-red",
  timeout: "badge-red",
};

export const isBusy = (state: JobState) => state === "queued" || state === "running";
export const isFailure = (state: JobState) => state === "failed" || state === "timeout";

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

function StateBadge(props: { state: JobState }) {
  return (
    <span class={`badge job-state ${BADGE[props.state]}`} data-state={props.state}>
      <Show when={isBusy(props.state)}>
        <span class="spinner-dot" aria-hidden="true" />
      </Show>
      {props.state}
    </span>
  );
}

function JobDetail(props: { job: Job; canViewCode: boolean }) {
  // reloads when the job changes state, so a running job's log is complete once it finishes
  const [detail, { refetch }] = createResource(
    () => (props.canViewCode ? { jobId: props.job.id, state: props.job.state } : false),
    ({ jobId }) => trpc.jobs.get.query({ jobId }),
  );
  return (
    <div class="job-detail">
      <dl class="kv small">
        <dt>Input package</dt>
        <dd class="mono">#{props.job.packageId}</dd>
        <dt>Started</dt>
        <dd>
          <When at={props.job.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <When at={props.job.finishedAt} />
        </dd>
      </dl>
      <Show when={props.job.error}>
        <div class="error-box small">{props.job.error}</div>
      </Show>
      <Show
        when={props.canViewCode}
        fallback={<p class="muted small">Logs need the code_view permission on this node.</p>}
      >
        <div class="row between">
          <h4 class="section-label">Log</h4>
          <Button size="sm" variant="ghost" pending={detail.loading} onClick={() => refetch()}>
            Reload log
          </Button>
        </div>
        <Show when={!detail.error} fallback={<ErrorBox error={errorMessage(detail.error)} />}>
          <Show when={detail.latest} fallback={<Loading label="Loading log…" />}>
            {(d) => (
              <>
                <pre
                  class="job-log"
                  data-testid="job-log"
                  role="log"
                  tabindex="0"
                  aria-label={`Log of job ${d().id}`}
                >
                  {d().log || "(no output)"}
                </pre>
                <Show when={d().logTruncated}>
                  <p class="muted small">The log was cut at 1 MiB.</p>
                </Show>
              </>
            )}
          </Show>
        </Show>
      </Show>
    </div>
  );
}

/** A compute node's jobs in the selected data layer, newest first, polled while any is busy. */
export function NodeJobs(props: NodePanelProps) {
  const { canOnNode } = useProject();
  const [openId, setOpenId] = createSignal<number | null>(null);
  // the layer is chosen in the page's toolbar: another layer's jobs start closed
  createEffect(
    on(
      () => props.layerId,
      () => setOpenId(null),
      { defer: true },
    ),
  );
  // a store keyed by id keeps each row (and an open log) in place while the list reloads
  const [store, setStore] = createStore<{ list: Job[] }>({ list: [] });
  const [jobs, { refetch }] = createResource(
    () => (props.layerId === null ? false : { nodeId: props.node.id, dataLayerId: props.layerId }),
    async (input) => {
      const rows = await trpc.jobs.list.query(input);
      setStore("list", reconcile(rows, { key: "id" }));
      return true;
    },
  );
  const list = () => (jobs.error ? [] : store.list);
  const busy = createMemo(() => list().some((j) => isBusy(j.state)));

  createEffect(() => {
    if (!busy()) return;
    const timer = setInterval(() => {
      if (!jobs.loading) refetch();
    }, JOB_POLL_MS);
    onCleanup(() => clearInterval(timer));
  });
  // when the last busy job finishes, the graph's failure marks and the packages may have changed
  createEffect(
    on(busy, (now, before) => {
      if (before && !now) props.onJobsChanged?.();
    }),
  );

  return (
    <div class="stack">
      <LayerNote layers={props.layers} layerId={props.layerId} />
      <div class="row between">
        <p class="muted small" aria-live="polite">
          {list().length} job{list().length === 1 ? "" : "s"}
          {busy() ? " · refreshing every 2 s while jobs run" : ""}
        </p>
        <Button
          size="sm"
          variant="ghost"
          pending={jobs.loading}
          onClick={() => {
            refetch();
            props.onJobsChanged?.();
          }}
        >
          <Icon name="refresh" size={15} /> Refresh
        </Button>
      </div>
      <Show
        when={props.layerId !== null}
        fallback={<p class="muted small">No data layer is visible to you.</p>}
      >
        <Show when={!jobs.error} fallback={<ErrorBox error={errorMessage(jobs.error)} />}>
          <Show when={jobs.latest} fallback={<Loading />}>
            <ul class="job-list" aria-label="Jobs">
              <For
                each={list()}
                fallback={
                  <li class="muted small job-empty">
                    No jobs yet. A package arriving at this node (while it is active in this layer) starts
                    one.
                  </li>
                }
              >
                {(j) => (
                  <li class={`${openId() === j.id ? "open" : ""} ${isFailure(j.state) ? "job-failed" : ""}`}>
                    <button
                      type="button"
                      class="job-row"
                      aria-expanded={openId() === j.id}
                      aria-label={`Job ${j.id} ${j.state}`}
                      onClick={() => setOpenId(openId() === j.id ? null : j.id)}
                    >
                      <span class="mono strong">#{j.id}</span>
                      <StateBadge state={j.state} />
                      <span class="job-meta small">
                        <span title="Duration">{formatDuration(j.durationMs)}</span>
                        <span title="Exit code">exit {j.exitCode ?? "—"}</span>
                        <span title="Packages produced">
                          {j.outputs} output{j.outputs === 1 ? "" : "s"}
                        </span>
                      </span>
                      <span class="muted small job-time">
                        <When at={j.createdAt} />
                      </span>
                    </button>
                    <Show when={openId() === j.id}>
                      <JobDetail job={j} canViewCode={canOnNode("code_view", props.node.id)} />
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Show>
      </Show>
    </div>
  );
}
