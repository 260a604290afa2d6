// A small chart of one count per day, drawn as inline SVG: bars or a line on a shared baseline,
// with a few axis labels. Accessible as an image whose name summarises the data (total, highest
// day), with a <title> and <desc>, and a button that shows the same numbers as a table. Colours
// come from the theme's variables (light and dark); the drawing follows its box's width, so it
// fits a 375 px screen without scaling its text down.
import { useId, useLayoutEffect, useRef, useState } from "react";
import type { RefObject } from "react";
import { count } from "../format";

export interface ChartPoint {
  /** A stable key (a `YYYY-MM-DD` day). */
  key: string;
  /** How the key reads: "Nov 16". */
  label: string;
  value: number;
}

export interface ChartProps {
  /** "Impressions per day": the heading and the start of the summary. */
  title: string;
  /** What is counted, plural and singular: ["impressions", "impression"]. */
  unit: readonly [string, string];
  points: ChartPoint[];
  variant?: "bar" | "line";
  /** The colour (a theme variable): the accent, green or amber. */
  tone?: "accent" | "ok" | "warn";
  /** The heading's level in the page (3 by default). */
  level?: 2 | 3 | 4;
}

const HEIGHT = 180;
const PAD_TOP = 12;
const PAD_BOTTOM = 26;
const PAD_RIGHT = 8;
/** Space between two x-axis labels, at least. */
const LABEL_GAP = 72;

/** "Impressions per day, 7 days from Nov 16 to Nov 22: 4,210 impressions in total; the highest,
 * 1,800, on Nov 20." */
export function chartSummary(title: string, unit: readonly [string, string], points: ChartPoint[]): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return `${title}: no days to show.`;
  const total = points.reduce((s, p) => s + p.value, 0);
  const days = `${points.length} day${points.length === 1 ? "" : "s"}`;
  const range = first === last ? `on ${first.label}` : `from ${first.label} to ${last.label}`;
  const head = `${title}, ${days} ${range}: ${count(total)} ${total === 1 ? unit[1] : unit[0]} in total`;
  if (total === 0) return `${head}.`;
  let top = first;
  for (const p of points) if (p.value > top.value) top = p;
  const empty = points.filter((p) => p.value === 0).length;
  return `${head}; the highest, ${count(top.value)}, on ${top.label}${empty > 0 ? `; ${empty} day${empty === 1 ? "" : "s"} with none` : ""}.`;
}

/** A round top for the y axis and its step (whole numbers: everything counted here is). */
function scale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const rough = max / 4;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= rough) ?? 10 * mag);
  return { top: Math.ceil(max / step) * step, step };
}

const compact = (n: number) => n.toLocaleString(undefined, { notation: "compact", maximumFractionDigits: 1 });

/** Which points get an x-axis label: the last (today), and every `step` before it, as room
 * allows. */
function labelled(n: number, width: number): Set<number> {
  const room = Math.max(2, Math.floor(width / LABEL_GAP));
  const step = n <= room ? 1 : Math.ceil((n - 1) / (room - 1));
  const out = new Set<number>();
  for (let i = n - 1; i >= 0; i -= step) out.add(i);
  return out;
}

/** The width of `box`, followed as it changes. */
function useWidth(box: RefObject<HTMLDivElement | null>, initial: number): number {
  const [width, setWidth] = useState(initial);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      const w = Math.floor(el.clientWidth);
      if (w > 0) setWidth(w);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [box]);
  return width;
}

export function Chart({ title, unit, points, variant = "bar", tone = "accent", level = 3 }: ChartProps) {
  const id = useId();
  const headingId = `${id}-title`;
  const tableId = `${id}-table`;
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box, 600);
  const [showTable, setShowTable] = useState(false);
  const summary = chartSummary(title, unit, points);
  const Heading = `h${level}` as const;

  const max = points.reduce((m, p) => Math.max(m, p.value), 0);
  const { top, step } = scale(max);
  const ticks: number[] = [];
  if (max > 0) for (let v = 0; v <= top; v += step) ticks.push(v);
  else ticks.push(0);
  const padLeft = Math.max(...ticks.map((t) => compact(t).length)) * 7.5 + 12;
  const plotW = Math.max(10, width - padLeft - PAD_RIGHT);
  const plotH = HEIGHT - PAD_TOP - PAD_BOTTOM;
  const n = Math.max(1, points.length);
  const slot = plotW / n;
  const barW = Math.max(1, slot * (n > 40 ? 0.8 : 0.65));
  const x = (i: number) => padLeft + slot * i + slot / 2;
  const y = (v: number) => PAD_TOP + plotH - (v / top) * plotH;
  const labels = labelled(points.length, plotW);
  const baseline = y(0);
  const tip = (p: ChartPoint) => `${p.label}: ${count(p.value)} ${p.value === 1 ? unit[1] : unit[0]}`;

  return (
    <figure className={`chart chart-${tone}`} aria-labelledby={headingId} data-chart-points={points.length}>
      <figcaption className="chart-head">
        <Heading id={headingId} className="chart-title">
          {title}
        </Heading>
        <button
          type="button"
          className="small"
          aria-expanded={showTable}
          aria-controls={tableId}
          onClick={() => setShowTable((s) => !s)}
        >
          {showTable ? "Hide the numbers" : "Show the numbers"}
          <span className="sr-only"> of {title.toLowerCase()}</span>
        </button>
      </figcaption>
      <div className="chart-box" ref={box}>
        <svg
          role="img"
          aria-label={summary}
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          className={`chart-svg chart-${variant}`}
        >
          <title>{title}</title>
          <desc>{summary}</desc>
          <g className="chart-grid-lines">
            {ticks.map((t) => (
              <g key={t}>
                <line x1={padLeft} x2={width - PAD_RIGHT} y1={y(t)} y2={y(t)} className={t === 0 ? "chart-axis" : "chart-rule"} />
                <text x={padLeft - 6} y={y(t)} dy="0.32em" textAnchor="end" className="chart-label">
                  {compact(t)}
                </text>
              </g>
            ))}
          </g>
          {variant === "bar" ? (
            <g className="chart-bars">
              {points.map((p, i) => {
                const h = baseline - y(p.value);
                return (
                  <rect
                    key={p.key}
                    className="chart-bar"
                    data-date={p.key}
                    data-value={p.value}
                    x={x(i) - barW / 2}
                    y={baseline - h}
                    width={barW}
                    height={h}
                  >
                    <title>{tip(p)}</title>
                  </rect>
                );
              })}
            </g>
          ) : (
            <g className="chart-line">
              <polyline points={points.map((p, i) => `${x(i)},${y(p.value)}`).join(" ")} className="chart-path" />
              {points.map((p, i) => (
                <circle
                  key={p.key}
                  className="chart-dot"
                  data-date={p.key}
                  data-value={p.value}
                  cx={x(i)}
                  cy={y(p.value)}
                  r={n > 40 ? 1.5 : 3}
                >
                  <title>{tip(p)}</title>
                </circle>
              ))}
            </g>
          )}
          {max === 0 && points.length > 0 && (
            <text x={padLeft + plotW / 2} y={PAD_TOP + plotH / 2} textAnchor="middle" className="chart-label chart-empty">
              No {unit[0]} on these days
            </text>
          )}
          <g className="chart-x-labels">
            {points.map((p, i) =>
              labels.has(i) ? (
                <text
                  key={p.key}
                  x={i === 0 && points.length > 1 ? x(i) - barW / 2 : i === points.length - 1 && points.length > 1 ? x(i) + barW / 2 : x(i)}
                  y={HEIGHT - 8}
                  textAnchor={i === 0 && points.length > 1 ? "start" : i === points.length - 1 && points.length > 1 ? "end" : "middle"}
                  className="chart-label"
                >
                  {p.label}
                </text>
              ) : null,
            )}
          </g>
        </svg>
      </div>
      {/* It scrolls when long: focusable and named, so keyboard users can scroll it too. */}
      <div
        id={tableId}
        className="chart-table"
        hidden={!showTable}
        role="region"
        aria-label={`${title} as a table`}
        tabIndex={showTable ? 0 : -1}
      >
        {showTable && (
          <table>
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" className="num">
                  {unit[0].charAt(0).toUpperCase() + unit[0].slice(1)}
                </th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.key} data-date={p.key}>
                  <th scope="row">
                    <time dateTime={p.key}>{p.label}</time>
                  </th>
                  <td className="num">{count(p.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </figure>
  );
}
