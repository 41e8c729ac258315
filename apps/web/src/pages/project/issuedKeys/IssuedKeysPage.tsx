import { MAX_PERIOD_DAYS } from "@keyflow/schemas";
import { createMemo, createResource, createSignal, Show } from "solid-js";
import { ErrorBox } from "../../../components/ErrorBox";
import { Loading } from "../../../components/Loading";
import { PageHeader } from "../../../components/PageHeader";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { type IssuedRow, IssuedTable } from "./IssuedTable";
import { PeriodToolbar } from "./PeriodToolbar";
import { addLocalDays, computePeriod, type PeriodKind, toDateInput } from "./period";
import { UsageChart } from "./UsageChart";

const PAGE_SIZE = 20;

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

  return (
    <div class="page">
      <PageHeader
        title="Issued keys"
        subtitle="Keys issued from this project's templates, with their requests and cost in the period."
      />
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
      <ErrorBox error={issued.error ? errorMessage(issued.error) : null} />
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
            onRevoked={() => setRefreshKey((n) => n + 1)}
          />
        )}
      </Show>
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
    </div>
  );
}
