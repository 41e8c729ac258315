import { createEffect, createResource, onCleanup, onMount, Show } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ErrorBox } from "../../../components/ErrorBox";
import { Loading } from "../../../components/Loading";
import { formatCount } from "../../../lib/format";
import { errorMessage, trpc } from "../../../lib/trpc";
import { bucketStarts, type Period, TIME_ZONE } from "./period";

type Points = { t: Date | string; requests: number; errors: number }[];

/**
 * x in seconds for every bucket of the period, with the server's counts; buckets without any are
 * null, so no zero-height bar is drawn (the legend shows them as 0).
 */
function toSeries(period: Period, points: Points): [number[], (number | null)[], (number | null)[]] {
  const byTime = new Map<number, { requests: number; errors: number }>();
  for (const p of points) byTime.set(new Date(p.t).getTime(), p);
  const times = new Set(bucketStarts(period).map((d) => d.getTime()));
  for (const t of byTime.keys()) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  return [
    xs.map((t) => t / 1000),
    xs.map((t) => byTime.get(t)?.requests || null),
    xs.map((t) => byTime.get(t)?.errors || null),
  ];
}

/** Requests and errors per hour or day of one key, drawn with uPlot. */
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
  let box!: HTMLDivElement;
  let plot: uPlot | undefined;
  const width = () => Math.max(320, box.clientWidth);

  onMount(() => {
    const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: 260 }));
    observer.observe(box);
    onCleanup(() => observer.disconnect());
  });
  onCleanup(() => plot?.destroy());

  createEffect(() => {
    const data = latest();
    if (!data) return;
    const values = toSeries(props.period, data.points);
    const daily = props.period.bucket === "day";
    plot?.destroy();
    plot = new uPlot(
      {
        width: width(),
        height: 260,
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
        axes: [
          { values: daily ? "{MMM} {D}" : undefined, grid: { stroke: "#eef0f4" } },
          {
            grid: { stroke: "#eef0f4" },
            values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) ? String(v) : "")),
          },
        ],
        series: [
          {},
          {
            label: "Requests",
            stroke: "#4f46e5",
            fill: "rgba(79, 70, 229, 0.12)",
            width: 2,
            paths: uPlot.paths.bars?.({ size: [0.6, 40], align: 0 }),
            points: { show: false },
            value: (u, v) => (u.cursor.idx == null ? "--" : String(v ?? 0)),
          },
          {
            label: "Errors",
            stroke: "#d92d20",
            fill: "rgba(217, 45, 32, 0.25)",
            width: 2,
            paths: uPlot.paths.bars?.({ size: [0.6, 40], align: 0 }),
            points: { show: false },
            value: (u, v) => (u.cursor.idx == null ? "--" : String(v ?? 0)),
          },
        ],
      },
      values,
      box,
    );
  });

  const totals = () => {
    const pts = latest()?.points ?? [];
    return {
      requests: pts.reduce((s, p) => s + p.requests, 0),
      errors: pts.reduce((s, p) => s + p.errors, 0),
    };
  };

  return (
    <section class="card chart-card" aria-label="Usage chart">
      <div class="row between">
        <h2 class="card-title">
          {props.title} — requests per {props.period.bucket}
        </h2>
        <span class="muted small">
          {formatCount(totals().requests)} requests, {formatCount(totals().errors)} errors · {TIME_ZONE}
        </span>
      </div>
      <ErrorBox error={series.error ? errorMessage(series.error) : null} />
      <Show when={!latest() && series.loading}>
        <Loading />
      </Show>
      <div ref={box} class="chart-box" data-testid="usage-chart" />
    </section>
  );
}
