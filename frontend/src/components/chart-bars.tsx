// Horizontal bars for counts that add up to a whole: each row says its count and share in
// words, so the list reads the same with or without the bars.

import "./chart-uplot.css";

export interface BarItem {
  label: string;
  count: number;
  /** 0-100; computed from the largest count when the API gives none. */
  percentage?: number | null;
  color?: string;
}

export function BarList(props: { label: string; items: BarItem[]; unit?: string; color?: string; format?: (value: number) => string }) {
  const largest = Math.max(1, ...props.items.map((item) => item.count));
  const format = props.format ?? ((value: number) => value.toLocaleString());
  return (
    <ul class="bar-list" aria-label={props.label}>
      {props.items.map((item) => {
        const width = (item.count / largest) * 100;
        return (
          <li key={item.label}>
            <span class="bar-name" title={item.label}>
              {item.label}
            </span>
            <span class="bar-track" aria-hidden="true">
              <span class="bar-fill" style={{ width: `${width}%`, background: item.color ?? props.color ?? "var(--primary)" }} />
            </span>
            <span class="bar-value">
              {format(item.count)}
              {props.unit ? ` ${props.unit}` : ""}
              {item.percentage !== undefined && item.percentage !== null && (
                <span class="muted">{formatPercent(item.percentage)}</span>
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** A percentage the API gives as 0-100 ("22.22") → "22.2 %". */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const rounded = Math.round(value * 10) / 10;
  return `${rounded.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;
}
