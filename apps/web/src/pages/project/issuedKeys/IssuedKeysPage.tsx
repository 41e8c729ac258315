import { MAX_PERIOD_DAYS, webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { createMemo, createResource, createSignal, Show } from "solid-js";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { PageHeader } from "../../../components/PageHeader";
import { formatCount } from "../../../lib/format";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { type IssuedRow, IssuedTable, type KeyChange } from "./IssuedTable";
import { PeriodToolbar } from "./PeriodToolbar";
import { addLocalDays, computePeriod, type PeriodKind, toDateInput } from "./period";
import { UsageChart } from "./UsageChart";

const PAGE_SIZE = 20;

const CHANGE_TEXT: Record<Exclude<KeyChange, "topped up">, string> = {
  revoked: "revoked; they were e-mailed. Its statistics stay below.",
  suspended:
    "suspended: every call with it is refused with your reason until you resume it. They were e-mailed; its statistics and imported secrets stay.",
  resumed: "resumed and works again with the same token; they were e-mailed. Its statistics continue.",
  rolled:
    "rolled: its old token is refused from now on, the secrets they imported hold the new one, and they were e-mailed.",
};

export default function IssuedKeysPage() {
  const { projectId } = useProject();
  const today = new Date();
  const [kind, setKind] = createSignal<PeriodKind>("7d");
  const [custom, setCustom] = createSignal({
    from: toDateInput(addLocalDays(today, -13)),
    to: toDateInput(today),
  });
  const [page, setPage] = createSignal(1);
  // bumping it refetches the table and the chart, and "now" moves on
  const [refreshKey, setRefreshKey] = createSignal(0);
  const [selected, setSelected] = createSignal<IssuedRow | null>(null);
  const [changed, setChanged] = createSignal<{ row: IssuedRow; change: KeyChange; text: string } | null>(
    null,
  );
  // a project that publishes no template has nothing to show yet: say what the page is for
  const [templates] = createResource(projectId, (id) => trpc.apiKeys.listTemplates.query({ projectId: id }));

  const period = createMemo(() => {
    refreshKey();
    const p = computePeriod(kind(), custom());
    if (p && p.to.getTime() - p.from.getTime() > MAX_PERIOD_DAYS * 86_400_000) return null;
    return p;
  });
  const [issued] = createResource(
    () => {
      const p = period();
      return p
        ? { projectId: projectId(), from: p.from, to: p.to, page: page(), pageSize: PAGE_SIZE }
        : false;
    },
    (input) => trpc.apiKeys.issued.query(input),
  );
  const data = () => (issued.error ? undefined : issued.latest);
  // the selected row as of the latest fetch (its state may have changed)
  const selectedRow = () => data()?.rows.find((r) => r.keyId === selected()?.keyId) ?? selected();

  const nothingYet = () => !templates.error && templates()?.length === 0 && data()?.total === 0;

  return (
    <div class="page">
      <PageHeader
        title="Usage statistics"
        subtitle="How often each key issued from this project's templates was used, what it cost, and when — per period."
      />
      <Show
        when={!nothingYet()}
        fallback={
          <div class="empty empty-explained" role="status" aria-label="No API keys yet">
            <p class="strong">No API key templates yet, so no keys and no statistics.</p>
            <p>
              Here you will see every API key this project issued: who holds it, how many requests it made and
              what they cost in a period, with a chart per hour or day, and a button to revoke it.
            </p>
            <p>
              To start,{" "}
              <A href={webPaths.project(projectId(), "apiKeys")}>create a template under API keys</A>; other
              users then request keys on the About page and you approve them.
            </p>
          </div>
        }
      >
        <PeriodToolbar
          kind={kind()}
          onKind={(k) => {
            setKind(k);
            setPage(1);
          }}
          custom={custom()}
          onCustom={(c) => {
            setCustom(c);
            setPage(1);
          }}
          invalid={period() === null}
          refreshing={issued.loading}
          onRefresh={() => setRefreshKey((n) => n + 1)}
        />
        <Show when={changed()}>
          {(c) => (
            <div
              class="success-box row between nowrap issued-change"
              role="status"
              aria-label={`Key ${c().change}`}
            >
              <Show
                when={c().change !== "topped up"}
                fallback={
                  <span>
                    <strong>{c().text}.</strong> {c().row.user.name} was e-mailed about the top-up of their
                    key for <strong>{c().row.templateName}</strong>.
                  </span>
                }
              >
                <span>
                  The key of <strong>{c().row.user.name}</strong> for <strong>{c().row.templateName}</strong>{" "}
                  is {c().text}
                </span>
              </Show>
              <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => setChanged(null)}>
                <Icon name="x" size={16} />
              </button>
            </div>
          )}
        </Show>
        <ErrorBox error={issued.error ? errorMessage(issued.error) : null} />
        <section class="section" aria-label="Issued keys">
          <h2>Issued keys</h2>
          <Show when={data()} fallback={<Show when={!issued.error && period()}>{<Loading />}</Show>}>
            {(d) => (
              <IssuedTable
                rows={d().rows}
                total={d().total}
                page={page()}
                pageSize={PAGE_SIZE}
                loading={issued.loading}
                selectedId={selected()?.keyId ?? null}
                onSelect={setSelected}
                onPage={setPage}
                onChanged={(row, change) => {
                  if (change !== "topped up") setChanged({ row, change, text: CHANGE_TEXT[change] });
                  setRefreshKey((n) => n + 1);
                }}
                onToppedUp={(row, requests, grant) => {
                  const left = row.quota?.period === "total" ? "left" : "left this period";
                  const text = `Added ${formatCount(requests)} ${requests === 1 ? "request" : "requests"}; ${formatCount(grant.remaining)} ${left}`;
                  setChanged({ row, change: "topped up", text });
                  setRefreshKey((n) => n + 1);
                }}
              />
            )}
          </Show>
        </section>
        <Show when={selectedRow() && period()}>
          <UsageChart
            keyId={selectedRow()!.keyId}
            title={`${selectedRow()!.templateName} · ${selectedRow()!.user.name}`}
            period={period()!}
            refreshKey={refreshKey()}
          />
        </Show>
        <Show when={!selected() && data() && (data()?.rows.length ?? 0) > 0}>
          <p class="muted small">Select a key to see its requests and errors per hour or day.</p>
        </Show>
      </Show>
    </div>
  );
}
