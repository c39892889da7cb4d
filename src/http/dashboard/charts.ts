/**
 * Hand-drawn SVG line charts over the metrics history (no chart library: the page must work
 * offline and under a strict CSP). Each chart scales its y axis to the largest value in view,
 * labels the max and the time span, and has a legend that shows the latest values, or the
 * values under the pointer while hovering.
 */
import type { MetricsSample } from "../protocol.js";
import { el, setText } from "./dom.js";
import { formatClock, formatDuration } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 150;
const PAD = { top: 10, right: 10, bottom: 20, left: 48 } as const;

export interface Series {
  readonly label: string;
  /** Picks the colour (see style.css: .series-1, .series-2). */
  readonly className: string;
  /** The value to plot, or null for a gap. */
  readonly value: (sample: MetricsSample) => number | null;
}

export interface ChartOptions {
  readonly series: readonly Series[];
  /** Formats axis labels and legend values. */
  readonly format: (value: number) => string;
  /** The y axis never gets shorter than this, so a quiet system does not look noisy. */
  readonly minMax: number;
  /** The y axis never gets longer than this (e.g. 100 for a percentage). */
  readonly maxMax?: number;
  /** Shown instead of the lines while every value is null. */
  readonly emptyNote?: string;
  /** Fill the area under the first series. */
  readonly area?: boolean;
}

/** The mapping from data to pixels of the latest render, reused for the hover readout. */
interface Scale {
  readonly first: number;
  readonly span: number;
  readonly top: number;
  readonly width: number;
}

const PLOT_H = HEIGHT - PAD.top - PAD.bottom;

interface SeriesParts {
  readonly series: Series;
  readonly line: SVGPathElement;
  readonly dot: SVGCircleElement;
  readonly value: HTMLSpanElement;
}

export class LineChart {
  readonly #options: ChartOptions;
  readonly #svg: SVGSVGElement;
  readonly #grid: SVGGElement;
  readonly #labels: SVGGElement;
  readonly #area: SVGPathElement;
  readonly #cursor: SVGLineElement;
  readonly #parts: readonly SeriesParts[];
  readonly #when: HTMLSpanElement;
  readonly #note: HTMLParagraphElement;
  #samples: readonly MetricsSample[] = [];
  #scale: Scale = { first: 0, span: 0, top: 1, width: 0 };
  #hoverX: number | null = null;

  constructor(container: HTMLElement, options: ChartOptions) {
    this.#options = options;

    const legend = el("div", "legend");
    const parts: SeriesParts[] = [];
    this.#svg = svg("svg", { class: "plot", height: String(HEIGHT), role: "img" });
    this.#grid = svg("g", { class: "grid" });
    this.#area = svg("path", { class: `area ${options.series[0]?.className ?? ""}` });
    this.#labels = svg("g", { class: "axis" });
    this.#svg.append(this.#grid, this.#area);
    for (const series of options.series) {
      const item = el("span", `key ${series.className}`);
      const swatch = el("span", "swatch");
      const value = el("span", "key-value", "—");
      item.append(swatch, el("span", "key-label", series.label), value);
      legend.append(item);
      const line = svg("path", { class: `line ${series.className}` });
      const dot = svg("circle", { class: `dot ${series.className}`, r: "3" });
      dot.setAttribute("visibility", "hidden");
      this.#svg.append(line);
      parts.push({ series, line, dot, value });
    }
    this.#cursor = svg("line", { class: "cursor", visibility: "hidden" });
    this.#svg.append(this.#labels, this.#cursor, ...parts.map((p) => p.dot));
    this.#parts = parts;
    this.#when = el("span", "key-when");
    legend.append(this.#when);
    this.#note = el("p", "chart-note", options.emptyNote ?? "");
    this.#note.hidden = true;
    container.replaceChildren(legend, this.#svg, this.#note);
    this.#svg.setAttribute("aria-label", options.series.map((s) => s.label).join(", "));

    this.#svg.addEventListener("pointermove", (event) => {
      this.#hoverX = event.clientX - this.#svg.getBoundingClientRect().left;
      this.#drawHover();
    });
    this.#svg.addEventListener("pointerleave", () => {
      this.#hoverX = null;
      this.#drawHover();
    });
    // Lines are drawn in pixels (text must not stretch), so a resize redraws them.
    new ResizeObserver(() => this.render(this.#samples)).observe(container);
  }

  render(samples: readonly MetricsSample[]): void {
    this.#samples = samples;
    // The svg's own box: the container's width would include its padding.
    const width = Math.max(
      Math.round(this.#svg.getBoundingClientRect().width),
      PAD.left + PAD.right + 10,
    );
    this.#svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);

    const { series, format, minMax, maxMax, emptyNote, area } = this.#options;
    const empty =
      emptyNote !== undefined && samples.every((s) => series.every((d) => d.value(s) === null));
    this.#note.hidden = !empty;
    this.#svg.classList.toggle("no-data", empty);

    let top = minMax;
    for (const sample of samples) {
      for (const d of series) top = Math.max(top, d.value(sample) ?? 0);
    }
    top = niceCeil(top);
    if (maxMax !== undefined) top = Math.min(top, maxMax);
    const first = samples[0]?.at ?? 0;
    const span = (samples[samples.length - 1]?.at ?? 0) - first;
    this.#scale = { first, span, top, width };
    const x = (at: number): number => this.#x(at);
    const y = (v: number): number => this.#y(v);

    this.#drawAxes(width, top, span, y, format);
    for (const part of this.#parts) {
      part.line.setAttribute("d", empty ? "" : linePath(samples, part.series, x, y));
    }
    const firstSeries = series[0];
    this.#area.setAttribute(
      "d",
      area === true && !empty && firstSeries !== undefined
        ? areaPath(samples, firstSeries, x, y, PAD.top + PLOT_H)
        : "",
    );
    this.#drawHover();
  }

  #drawAxes(
    width: number,
    top: number,
    span: number,
    y: (v: number) => number,
    format: (v: number) => string,
  ): void {
    const grid: SVGElement[] = [];
    const labels: SVGElement[] = [];
    for (const value of [0, top / 2, top]) {
      const at = y(value);
      grid.push(
        svg("line", {
          x1: String(PAD.left),
          x2: String(width - PAD.right),
          y1: String(at),
          y2: String(at),
          class: value === 0 ? "baseline" : "",
        }),
      );
      const label = svg("text", {
        x: String(PAD.left - 6),
        y: String(at),
        "text-anchor": "end",
        "dominant-baseline": "middle",
      });
      label.textContent = format(value);
      labels.push(label);
    }
    const bottom = String(HEIGHT - 4);
    const from = svg("text", { x: String(PAD.left), y: bottom, "text-anchor": "start" });
    from.textContent = span > 0 ? `−${formatDuration(span)}` : "";
    const to = svg("text", { x: String(width - PAD.right), y: bottom, "text-anchor": "end" });
    to.textContent = "now";
    labels.push(from, to);
    this.#grid.replaceChildren(...grid);
    this.#labels.replaceChildren(...labels);
  }

  /** Legend values and the crosshair: under the pointer when hovering, else the latest. */
  #drawHover(): void {
    const samples = this.#samples;
    const { first, span, width } = this.#scale;
    let index = samples.length - 1;
    const hovering = this.#hoverX !== null && span > 0;
    if (this.#hoverX !== null && hovering) {
      const plotW = width - PAD.left - PAD.right;
      const fraction = Math.min(1, Math.max(0, (this.#hoverX - PAD.left) / plotW));
      index = nearest(samples, first + fraction * span);
    }
    const sample = samples[index];
    for (const part of this.#parts) {
      const value = sample === undefined ? null : part.series.value(sample);
      setText(part.value, value === null ? "—" : this.#options.format(value));
    }
    setText(this.#when, sample !== undefined && hovering ? formatClock(sample.at) : "");

    if (!hovering || sample === undefined) {
      this.#cursor.setAttribute("visibility", "hidden");
      for (const part of this.#parts) part.dot.setAttribute("visibility", "hidden");
      return;
    }
    const cx = String(this.#x(sample.at));
    setAttrs(this.#cursor, {
      x1: cx,
      x2: cx,
      y1: String(PAD.top),
      y2: String(PAD.top + PLOT_H),
      visibility: "visible",
    });
    for (const part of this.#parts) {
      const value = part.series.value(sample);
      if (value === null || this.#svg.classList.contains("no-data")) {
        part.dot.setAttribute("visibility", "hidden");
      } else {
        setAttrs(part.dot, { cx, cy: String(this.#y(value)), visibility: "visible" });
      }
    }
  }

  #x(at: number): number {
    const { first, span, width } = this.#scale;
    const plotW = width - PAD.left - PAD.right;
    return span === 0 ? PAD.left + plotW : PAD.left + ((at - first) / span) * plotW;
  }

  #y(value: number): number {
    const { top } = this.#scale;
    return PAD.top + PLOT_H - (Math.min(value, top) / top) * PLOT_H;
  }
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value`, for round axis labels. */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const fraction = value / magnitude;
  const step =
    fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return step * magnitude;
}

function linePath(
  samples: readonly MetricsSample[],
  series: Series,
  x: (at: number) => number,
  y: (v: number) => number,
): string {
  let d = "";
  let pen = false;
  for (const sample of samples) {
    const value = series.value(sample);
    if (value === null) {
      pen = false; // a gap: the next point starts a new segment
      continue;
    }
    d += `${pen ? "L" : "M"}${x(sample.at).toFixed(1)},${y(value).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function areaPath(
  samples: readonly MetricsSample[],
  series: Series,
  x: (at: number) => number,
  y: (v: number) => number,
  base: number,
): string {
  const points = samples.flatMap((sample) => {
    const value = series.value(sample);
    return value === null ? [] : [`${x(sample.at).toFixed(1)},${y(value).toFixed(1)}`];
  });
  const firstPoint = samples.find((s) => series.value(s) !== null);
  const lastPoint = samples.findLast((s) => series.value(s) !== null);
  if (points.length < 2 || firstPoint === undefined || lastPoint === undefined) return "";
  const start = x(firstPoint.at).toFixed(1);
  const end = x(lastPoint.at).toFixed(1);
  return `M${start},${base}L${points.join("L")}L${end},${base}Z`;
}

/** The index of the sample closest in time to `at` (samples are in time order). */
function nearest(samples: readonly MetricsSample[], at: number): number {
  let lo = 0;
  let hi = samples.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((samples[mid]?.at ?? 0) < at) lo = mid + 1;
    else hi = mid;
  }
  const before = samples[lo - 1];
  const here = samples[lo];
  if (before !== undefined && here !== undefined && at - before.at < here.at - at) return lo - 1;
  return lo;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string>>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  setAttrs(node, attrs);
  return node;
}

function setAttrs(node: Element, attrs: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== "") node.setAttribute(name, value);
  }
}
