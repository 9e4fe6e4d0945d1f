// Time-series charts drawn with uPlot: sized to their container (and again on resize), with an
// aria-label and a data table that a screen reader can read and anyone can show.

import "uplot/dist/uPlot.min.css";
import "./chart-uplot.css";

import uPlot from "uplot";
import { useEffect, useId, useRef, useState } from "preact/hooks";

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

/** "2026-12-03" → unix seconds at that day's UTC midnight (the chart reads it back as UTC). */
export function dayToSeconds(date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  return Date.UTC(y, m - 1, d) / 1000;
}

const dayLabel = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const fullDay = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

export function formatDay(date: string): string {
  return fullDay.format(new Date(dayToSeconds(date) * 1000));
}

/**
 * A chart of daily (or weekly) figures. `kind` "line" draws lines over a light area; "bars"
 * draws bars (one series); "stacked" stacks the series' bars (the first at the bottom).
 */
export function TimeChart(props: {
  label: string;
  dates: string[];
  series: ChartSeries[];
  kind?: "line" | "bars" | "stacked";
  height?: number;
  /** What one point covers (for the spoken summary). */
  period?: "day" | "week";
  /** How a value reads in the tooltip legend and the table. */
  format?: (value: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  const kind = props.kind ?? "line";
  const height = props.height ?? 240;
  const format = props.format ?? ((value: number) => value.toLocaleString());

  // One point makes no chart: the figures are shown as a table instead.
  const single = props.dates.length < 2;

  useEffect(() => {
    const element = box.current;
    if (!element || single) return;
    const xs = props.dates.map(dayToSeconds);
    const raw = props.series.map((s) => s.values);
    // Stacked bars: each series is drawn as the running sum, the top-most first, so the later
    // (lower) ones paint over them; the legend still shows each series' own value.
    let drawn = raw;
    let order = props.series.map((_, index) => index);
    if (kind === "stacked") {
      const sums = raw.map((_, index) => xs.map((__, i) => raw.slice(0, index + 1).reduce((t, s) => t + (s[i] ?? 0), 0)));
      order = order.reverse();
      drawn = order.map((index) => sums[index]);
    }
    const bars = kind !== "line" ? uPlot.paths.bars!({ size: [kind === "stacked" ? 0.7 : 0.8, 48], gap: 1 }) : undefined;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "UTC"),
      legend: { show: true, live: true },
      cursor: { points: { show: kind === "line" }, drag: { x: false, y: false } },
      scales: { x: { time: true, range: kind === "line" ? undefined : (_u, min, max) => [min - 43200, max + 43200] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        {
          stroke: "#556070",
          grid: { show: false },
          // One tick per day or week, thinned to what fits (never a tick between two days).
          splits: (u) => {
            const fit = Math.max(2, Math.floor(u.bbox.width / (window.devicePixelRatio || 1) / 64));
            const step = Math.ceil(xs.length / fit);
            return xs.filter((_, i) => i % step === 0);
          },
          values: (_u, splits) => splits.map((s) => dayLabel.format(new Date(s * 1000))),
        },
        {
          stroke: "#556070",
          grid: { stroke: "#eceef1" },
          size: 48,
          values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? s.toLocaleString() : "")),
        },
      ],
      series: [
        { label: "Date", value: (_u, v) => (v === null ? "—" : fullDay.format(new Date(v * 1000))) },
        ...order.map((index) => {
          const s = props.series[index];
          return {
            label: s.label,
            stroke: s.color,
            width: kind === "line" ? 2 : 0,
            fill: kind === "line" ? s.color + "22" : s.color,
            paths: bars,
            points: { show: kind === "line" && xs.length < 40, size: 5, fill: s.color },
            value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) =>
              idx === null ? "—" : format(raw[index][idx] ?? 0),
          } as uPlot.Series;
        }),
      ],
    };
    const chart = new uPlot(options, [xs, ...drawn] as uPlot.AlignedData, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200);
      if (Math.abs(chart.width - width) > 1) chart.setSize({ width, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The chart is remade whenever what it shows changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [JSON.stringify(props.dates), JSON.stringify(props.series), kind, height]);

  const total = props.series.map((s) => s.values.reduce((t, v) => t + v, 0));
  const summary = `${props.label}. ${props.series
    .map((s, i) => `${s.label}: ${format(total[i])} in total`)
    .join("; ")}, over ${props.dates.length} ${props.period ?? "day"}${props.dates.length === 1 ? "" : "s"}.`;

  return (
    <figure class={`chart-figure ${kind === "stacked" ? "stacked" : ""}`}>
      {!single && <div class="chart uplot-box" ref={box} role="img" aria-label={summary} />}
      {!single && (
      <figcaption class="chart-caption">
        <button
          type="button"
          class="link"
          aria-expanded={showTable}
          aria-controls={tableId}
          onClick={() => setShowTable(!showTable)}
        >
          {showTable ? "Hide data table" : "Show data table"}
        </button>
      </figcaption>
      )}
      <div id={tableId} class={showTable || single ? "chart-table" : "sr-only"}>
        <table>
          <caption class="sr-only">{props.label}</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              {props.series.map((s) => (
                <th scope="col" class="num">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.dates.map((date, i) => (
              <tr key={date}>
                <th scope="row">{formatDay(date)}</th>
                {props.series.map((s) => (
                  <td class="num">{format(s.values[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
