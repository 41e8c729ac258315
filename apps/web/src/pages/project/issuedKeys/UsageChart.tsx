import {
  createEffect,
  createMemo,
  createResource,
  createSignal,
  For,
  onCleanup,
  onMount,
  Show,
} from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Loading } from "../../../components/Loading";
import { formatCount } from "../../../lib/format";
import { errorMessage, trpc } from "../../../lib/trpc";
import { bucketStarts, type Period, TIME_ZONE } from "./period";

type Points = { t: Date | string; requests: number; errors: number }[];

interface Bucket {
  start: Date;
  end: Date;
  requests: number;
  errors: number;
}

const HEIGHT = 260;
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const weekdayDate = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

/**
 * Every bucket of the period (hours or local days) with the server's counts; the server only
 * returns buckets that saw requests. A bucket ends where the next starts (or at the period's end).
 */
function toBuckets(period: Period, points: Points): Bucket[] {
  const byTime = new Map<number, { requests: number; errors: number }>();
  for (const p of points) byTime.set(new Date(p.t).getTime(), p);
  const times = new Set(bucketStarts(period).map((d) => d.getTime()));
  for (const t of byTime.keys()) times.add(t);
  const starts = [...times].sort((a, b) => a - b);
  return starts.map((t, i) => ({
    start: new Date(t),
    end: new Date(starts[i + 1] ?? Math.max(period.to.getTime(), t + 3_600_000)),
    requests: byTime.get(t)?.requests ?? 0,
    errors: byTime.get(t)?.errors ?? 0,
  }));
}

/** A bucket in words: "Tue, 2 Dec" for a day, "2 Dec, 14:00–15:00" for an hour. */
function bucketLabel(b: Bucket, daily: boolean): string {
  if (daily) return weekdayDate.format(b.start);
  return `${dayMonth.format(b.start)}, ${clock.format(b.start)}–${clock.format(b.end)}`;
}

/** The whole period in words: "26 Nov – 2 Dec", or one day's date. */
function periodLabel(p: Period): string {
  const last = new Date(p.to.getTime() - 1);
  const first = dayMonth.format(p.from);
  const end = dayMonth.format(last);
  return first === end ? weekdayDate.format(p.from) : `${first} – ${end}`;
}

/**
 * Requests and errors per hour or day of one key, drawn with uPlot: one bar per bucket, centred
 * in it, the axis labelled once per bucket (thinned to fit), the legend showing the period's
 * totals until a bar is hovered. "Show as table" lists the same buckets as rows.
 */
export function UsageChart(props: { keyId: number; title: string; period: Period; refreshKey: number }) {
  const [series] = createResource(
    () => ({ keyId: props.keyId, period: props.period, n: props.refreshKey }),
    ({ keyId, period }) =>
      trpc.usage.series.query({
        keyId,
        from: period.from,
        to: period.to,
        bucket: period.bucket,
        timeZone: TIME_ZONE,
      }),
  );
  // reading a failed resource rethrows its error
  const latest = () => (series.error ? undefined : series.latest);
  const daily = () => props.period.bucket === "day";
  const buckets = createMemo(() => {
    const data = latest();
    return data ? toBuckets(props.period, data.points) : [];
  });
  const totals = () =>
    buckets().reduce((s, b) => ({ requests: s.requests + b.requests, errors: s.errors + b.errors }), {
      requests: 0,
      errors: 0,
    });
  const [asTable, setAsTable] = createSignal(false);

  let box!: HTMLDivElement;
  let plot: uPlot | undefined;
  const width = () => Math.max(240, box.clientWidth);

  onMount(() => {
    const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: HEIGHT }));
    observer.observe(box);
    onCleanup(() => observer.disconnect());
  });
  onCleanup(() => plot?.destroy());

  createEffect(() => {
    const list = buckets();
    if (!latest()) return;
    const isDaily = daily();
    const period = props.period;
    const sum = totals();
    // x is the middle of each bucket, so a centred bar fills its bucket and none is clipped
    const mids = list.map((b) => (b.start.getTime() + b.end.getTime()) / 2000);
    const byMid = new Map(mids.map((m, i) => [m, list[i] as Bucket]));
    const ticks = isDaily ? mids : list.map((b) => b.start.getTime() / 1000);
    const label = (v: number) => {
      if (isDaily) {
        const b = byMid.get(v);
        return b ? dayMonth.format(b.start) : "";
      }
      const at = new Date(v * 1000);
      const midnight = at.getHours() === 0 && at.getMinutes() === 0;
      return midnight || v === ticks[0] ? `${clock.format(at)}\n${dayMonth.format(at)}` : clock.format(at);
    };
    const minX = Math.min(period.from.getTime(), list[0]?.start.getTime() ?? period.from.getTime()) / 1000;
    const maxX = Math.max(period.to.getTime(), list.at(-1)?.end.getTime() ?? period.to.getTime()) / 1000;
    const countValue = (total: number) => (u: uPlot, v: number | null, _s: number, idx: number | null) =>
      idx == null || u.cursor.idx == null ? formatCount(total) : formatCount(v ?? 0);
    plot?.destroy();
    plot = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true, range: () => [minX, maxX] },
          y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] },
        },
        axes: [
          {
            grid: { stroke: "#eef0f4" },
            // one label per bucket at most, thinned so labels never overlap
            splits: (u) => {
              const room = Math.max(1, u.bbox.width / devicePixelRatio);
              const step = Math.max(1, Math.ceil((ticks.length * (isDaily ? 56 : 50)) / room));
              return ticks.filter((_t, i) => i % step === 0);
            },
            values: (_u, splits) => {
              const labels = splits.map(label);
              // what the axis shows, for a reader of the DOM (the canvas holds only pixels)
              box.dataset.xLabels = labels.map((l) => l.replace("\n", " ")).join("|");
              return labels;
            },
          },
          {
            grid: { stroke: "#eef0f4" },
            values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")),
          },
        ],
        series: [
          {
            label: isDaily ? "Day" : "Hour",
            value: (_u, _v, _s, idx) => {
              const b = idx == null ? undefined : list[idx];
              return b ? bucketLabel(b, isDaily) : periodLabel(period);
            },
          },
          {
            label: "Requests",
            stroke: "#4f46e5",
            fill: "rgba(79, 70, 229, 0.12)",
            width: 2,
            paths: uPlot.paths.bars?.({ size: [0.7, 48], align: 0 }),
            points: { show: false },
            value: countValue(sum.requests),
          },
          {
            label: "Errors",
            stroke: "#d92d20",
            fill: "rgba(217, 45, 32, 0.25)",
            width: 2,
            paths: uPlot.paths.bars?.({ size: [0.7, 48], align: 0 }),
            points: { show: false },
            value: countValue(sum.errors),
          },
        ],
      },
      // empty buckets are null: no zero-height bar is drawn (the legend shows them as 0)
      [mids, list.map((b) => b.requests || null), list.map((b) => b.errors || null)],
      box,
    );
    // without a hovered bar the legend shows the period and its totals, never "--"
    plot.setLegend({ idx: null as unknown as number });
  });

  const summary = () =>
    `Requests per ${props.period.bucket}, ${periodLabel(props.period)}: ${formatCount(totals().requests)} requests, ${formatCount(totals().errors)} errors.`;

  return (
    <section class="card chart-card" aria-label="Usage chart">
      <div class="row between chart-head">
        <h2 class="card-title">
          {props.title} — requests per {props.period.bucket}
        </h2>
        <div class="row nowrap">
          <span class="muted small">
            {formatCount(totals().requests)} requests, {formatCount(totals().errors)} errors · {TIME_ZONE}
          </span>
          <Button
            size="sm"
            aria-pressed={asTable()}
            aria-controls="usage-table"
            onClick={() => setAsTable((v) => !v)}
          >
            {asTable() ? "Hide table" : "Show as table"}
          </Button>
        </div>
      </div>
      <ErrorBox error={series.error ? errorMessage(series.error) : null} />
      <Show when={!latest() && series.loading}>
        <Loading />
      </Show>
      <div ref={box} class="chart-box" data-testid="usage-chart" role="img" aria-label={summary()} />
      <Show when={asTable() && latest()}>
        <div class="table-scroll chart-table">
          <table class="table compact" id="usage-table">
            <caption class="sr-only">{summary()}</caption>
            <thead>
              <tr>
                <th>{daily() ? "Day" : "Hour"}</th>
                <th class="right">Requests</th>
                <th class="right">Errors</th>
              </tr>
            </thead>
            <tbody>
              <For each={buckets()}>
                {(b) => (
                  <tr>
                    <td>{bucketLabel(b, daily())}</td>
                    <td class="right num">{formatCount(b.requests)}</td>
                    <td class="right num">{formatCount(b.errors)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </section>
  );
}
