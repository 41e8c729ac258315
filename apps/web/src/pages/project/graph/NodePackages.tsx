import { createEffect, createResource, createSignal, For, on, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextAreaField, TextField } from "../../../components/Field";
import { Loading } from "../../../components/Loading";
import { When } from "../../../components/When";
import { createAction } from "../../../lib/action";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { LayerNote } from "./LayerSelect";
import type { NodePanelProps } from "./NodePanel";
import type { Package } from "./types";

const PAGE_SIZE = 10;

/** Parses the fields editor: a JSON object, or a clear error. */
function parseFields(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`Fields are not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new Error('Fields must be a JSON object, e.g. {"x": 1}');
  return v as Record<string, unknown>;
}

function CreatePackageDialog(props: {
  nodeId: number;
  layerId: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreated: () => void;
}) {
  const [label, setLabel] = createSignal("");
  const [fields, setFields] = createSignal("{\n  \n}");
  const create = createAction(() =>
    trpc.packages.create.mutate({
      nodeId: props.nodeId,
      dataLayerId: props.layerId,
      label: label(),
      fields: parseFields(fields()),
    }),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="New package"
      description="The package is its own master and is pushed along this node's links."
      submitLabel="Create package"
      pending={create.pending()}
      onSubmit={async () => {
        if (await create.run()) {
          setLabel("");
          props.onCreated();
        }
      }}
    >
      <div class="stack">
        <TextField label="Label" value={label()} onInput={setLabel} />
        <TextAreaField label="Fields (JSON object)" mono rows={8} value={fields()} onInput={setFields} />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}

function PackageDetail(props: { pkg: Package }) {
  const [files] = createResource(
    () => props.pkg.id,
    (packageId) => trpc.packages.files.query({ packageId }),
  );
  return (
    <div class="package-detail">
      <dl class="kv">
        <dt>Master</dt>
        <dd>#{props.pkg.master_id}</dd>
        <dt>Parent</dt>
        <dd>{props.pkg.parent_id === null ? "—" : `#${props.pkg.parent_id}`}</dd>
        <dt>Created</dt>
        <dd>
          <When at={props.pkg.created_at} />
        </dd>
      </dl>
      <h4 class="section-label">Fields</h4>
      <Show when={props.pkg.fields.length > 0} fallback={<p class="muted small">No fields.</p>}>
        <table class="table compact">
          <tbody>
            <For each={props.pkg.fields}>
              {(f) => (
                <tr>
                  <td class="mono">{f.name}</td>
                  <td class="mono wrap-anywhere">{JSON.stringify(f.value)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={!files.error && (files() ?? []).length > 0}>
        <h4 class="section-label">Files</h4>
        <ul class="plain small">
          <For each={files()}>
            {(f) => (
              <li>
                <span class="mono">{f.name}</span> <span class="muted">({f.size} B)</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

export function NodePackages(props: NodePanelProps) {
  const { canOnNode } = useProject();
  const [page, setPage] = createSignal(1);
  // the layer is chosen in the page's toolbar: another layer starts again from its newest packages
  createEffect(
    on(
      () => props.layerId,
      () => setPage(1),
      { defer: true },
    ),
  );
  const [masterText, setMasterText] = createSignal("");
  const [masterId, setMasterId] = createSignal<number | null>(null);
  const [openId, setOpenId] = createSignal<number | null>(null);
  const [creating, setCreating] = createSignal(false);
  const [searchError, setSearchError] = createSignal<string | null>(null);
  const [result, { refetch }] = createResource(
    () =>
      props.layerId === null
        ? false
        : {
            nodeId: props.node.id,
            dataLayerId: props.layerId,
            masterId: masterId(),
            page: page(),
            pageSize: PAGE_SIZE,
          },
    (input) => trpc.packages.search.query(input),
  );
  const pages = () => Math.max(1, Math.ceil((result.latest?.total ?? 0) / PAGE_SIZE));
  const canCreate = () =>
    canOnNode("package_create", props.node.id) && props.layers.find((l) => l.id === props.layerId)?.writable;

  return (
    <div class="stack">
      <LayerNote layers={props.layers} layerId={props.layerId} />
      <form
        class="row nowrap"
        onSubmit={(e) => {
          e.preventDefault();
          const t = masterText().trim().replace(/^#/, "");
          if (t && !/^\d+$/.test(t)) {
            setSearchError("Master id must be a number");
            return;
          }
          setSearchError(null);
          setPage(1);
          setMasterId(t ? Number(t) : null);
        }}
      >
        <input
          class="input grow"
          aria-label="Master id"
          placeholder="Search by master id"
          value={masterText()}
          onInput={(e) => setMasterText(e.currentTarget.value)}
        />
        <Button type="submit" size="sm">
          Search
        </Button>
        <Show when={canCreate()}>
          <Button size="sm" variant="primary" onClick={() => setCreating(true)}>
            + Package
          </Button>
        </Show>
      </form>
      <ErrorBox error={searchError()} />
      <Show
        when={props.layerId !== null}
        fallback={<p class="muted small">No data layer is visible to you.</p>}
      >
        <Show when={!result.error} fallback={<ErrorBox error={errorMessage(result.error)} />}>
          <Show when={result.latest} fallback={<Loading />}>
            {(r) => (
              <>
                <p class="muted small">
                  {r().total} package{r().total === 1 ? "" : "s"}
                  {masterId() !== null ? ` with master #${masterId()}` : ""}, newest first
                </p>
                <ul class="package-list">
                  <For each={r().items} fallback={<li class="muted small">No packages.</li>}>
                    {(p) => (
                      <li class={openId() === p.id ? "open" : ""}>
                        <button
                          type="button"
                          class="package-row"
                          aria-expanded={openId() === p.id}
                          onClick={() => setOpenId(openId() === p.id ? null : p.id)}
                        >
                          <span class="mono">#{p.id}</span>
                          <span class="package-label">
                            {p.label || <span class="muted">(no label)</span>}
                          </span>
                          <span class="muted small">
                            <When at={p.created_at} />
                          </span>
                        </button>
                        <Show when={openId() === p.id}>
                          <PackageDetail pkg={p} />
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
                <div class="pager">
                  <Button
                    size="sm"
                    disabled={page() <= 1 || result.loading}
                    onClick={() => setPage(page() - 1)}
                  >
                    ← Newer
                  </Button>
                  <span class="muted small">
                    Page {page()} of {pages()}
                  </span>
                  <Button
                    size="sm"
                    disabled={page() >= pages() || result.loading}
                    onClick={() => setPage(page() + 1)}
                  >
                    Older →
                  </Button>
                </div>
              </>
            )}
          </Show>
        </Show>
      </Show>
      <Show when={props.layerId !== null}>
        <CreatePackageDialog
          nodeId={props.node.id}
          layerId={props.layerId!}
          open={creating()}
          onOpenChange={setCreating}
          onCreated={() => {
            setCreating(false);
            setPage(1);
            refetch();
          }}
        />
      </Show>
    </div>
  );
}
