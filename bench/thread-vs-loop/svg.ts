/** The suite's chart: speedup and event-loop p99 against task size, one line per kernel. */
import { KERNELS, type KernelName } from "./config.js";
import type { CpuCell } from "./cpu.js";

const COLORS: Record<KernelName, string> = { fib: "#1f77b4", sha256: "#d62728", json: "#2ca02c" };

function escapeXml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Two panels: speedup vs task size, and event-loop p99 (loop vs pool) vs task size. */
export function renderSvg(
  cells: readonly CpuCell[],
  idleP99: number | null,
  title: string,
): string {
  const width = 1000;
  const height = 460;
  const panelW = 400;
  const panelH = 300;
  const top = 70;
  const lefts = [70, 570];
  const out: string[] = [];
  const text = (x: number, y: number, s: string, extra = ""): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${escapeXml(s)}</text>`);
  };
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  );
  text(width / 2, 24, title, 'text-anchor="middle" font-size="16" font-weight="bold"');
  const sizesUs = cells.map((c) => c.loopMsPerTask * 1000).filter((v) => v > 0);
  const xMin = Math.floor(Math.log10(Math.min(...sizesUs, 1)));
  const xMax = Math.ceil(Math.log10(Math.max(...sizesUs, 10)));
  const xOf = (left: number, us: number): number =>
    left + ((Math.log10(us) - xMin) / (xMax - xMin)) * panelW;
  const xLabel = (us: number): string =>
    us >= 1000 ? `${us / 1000} ms` : us >= 1 ? `${us} µs` : `${us * 1000} ns`;
  const xAxis = (left: number): void => {
    out.push(
      `<line x1="${left}" y1="${top + panelH}" x2="${left + panelW}" y2="${top + panelH}" stroke="black"/>`,
      `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + panelH}" stroke="black"/>`,
    );
    for (let e = xMin; e <= xMax; e++) {
      const x = xOf(left, 10 ** e);
      out.push(
        `<line x1="${x}" y1="${top}" x2="${x}" y2="${top + panelH}" stroke="#eee"/>`,
        `<line x1="${x}" y1="${top + panelH}" x2="${x}" y2="${top + panelH + 5}" stroke="black"/>`,
      );
      text(x, top + panelH + 18, xLabel(10 ** e), 'text-anchor="middle"');
    }
    text(
      left + panelW / 2,
      top + panelH + 38,
      "task size (time per task on the event loop, log scale)",
      'text-anchor="middle"',
    );
  };
  const polyline = (points: [number, number][], color: string, dash: string): void => {
    if (points.length === 0) return;
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash} points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}"/>`,
    );
    for (const [x, y] of points)
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${color}"/>`);
  };
  const byKernel = (k: KernelName): CpuCell[] =>
    cells.filter((c) => c.kernel === k).sort((a, b) => a.loopMsPerTask - b.loopMsPerTask);

  // Left: speedup.
  {
    const left = lefts[0] as number;
    const yMax = Math.max(2.5, Math.ceil(Math.max(...cells.map((c) => c.speedup)) * 2) / 2);
    const yOf = (v: number): number => top + panelH - (Math.max(0, v) / yMax) * panelH;
    text(
      left + panelW / 2,
      top - 12,
      "speedup: pool throughput ÷ event-loop throughput",
      'text-anchor="middle" font-weight="bold"',
    );
    for (let v = 0; v <= yMax + 1e-9; v += 0.5) {
      const y = yOf(v);
      out.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="black"/>`);
      text(left - 8, y + 4, `${v.toFixed(1)}×`, 'text-anchor="end"');
    }
    xAxis(left);
    out.push(
      `<line x1="${left}" y1="${yOf(1)}" x2="${left + panelW}" y2="${yOf(1)}" stroke="#555" stroke-dasharray="6,4"/>`,
      `<line x1="${left}" y1="${yOf(2)}" x2="${left + panelW}" y2="${yOf(2)}" stroke="#aaa" stroke-dasharray="2,3"/>`,
    );
    text(left + panelW - 4, yOf(1) - 5, "1× (break-even)", 'text-anchor="end" fill="#555"');
    text(left + panelW - 4, yOf(2) - 5, "2× (2 threads)", 'text-anchor="end" fill="#888"');
    for (const k of KERNELS)
      polyline(
        byKernel(k).map((c) => [xOf(left, c.loopMsPerTask * 1000), yOf(c.speedup)]),
        COLORS[k],
        "",
      );
    out.push(
      `<text x="${left - 50}" y="${top + panelH / 2}" transform="rotate(-90 ${left - 50} ${top + panelH / 2})" text-anchor="middle">speedup</text>`,
    );
  }

  // Right: event-loop p99, log y.
  {
    const left = lefts[1] as number;
    const values = cells
      .flatMap((c) => [c.loopDelay.p99, c.poolDelay.p99, idleP99])
      .filter((v): v is number => v !== null && v > 0);
    const yMinE = Math.floor(Math.log10(Math.min(...values, 0.5)));
    const yMaxE = Math.ceil(Math.log10(Math.max(...values, 10)));
    const yOf = (ms: number): number =>
      top + panelH - ((Math.log10(Math.max(ms, 10 ** yMinE)) - yMinE) / (yMaxE - yMinE)) * panelH;
    text(
      left + panelW / 2,
      top - 12,
      "event-loop delay p99 (ms, log scale)",
      'text-anchor="middle" font-weight="bold"',
    );
    for (let e = yMinE; e <= yMaxE; e++) {
      const y = yOf(10 ** e);
      out.push(
        `<line x1="${left}" y1="${y}" x2="${left + panelW}" y2="${y}" stroke="#eee"/>`,
        `<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="black"/>`,
      );
      text(left - 8, y + 4, `${10 ** e}`, 'text-anchor="end"');
    }
    xAxis(left);
    if (idleP99 !== null) {
      out.push(
        `<line x1="${left}" y1="${yOf(idleP99)}" x2="${left + panelW}" y2="${yOf(idleP99)}" stroke="#888" stroke-dasharray="2,3"/>`,
      );
      text(left + 4, yOf(idleP99) - 5, `idle loop p99 ${idleP99.toFixed(2)} ms`, 'fill="#666"');
    }
    for (const k of KERNELS) {
      const mine = byKernel(k);
      const pts = (mode: "loopDelay" | "poolDelay"): [number, number][] =>
        mine
          .filter((c) => c[mode].p99 !== null)
          .map((c) => [xOf(left, c.loopMsPerTask * 1000), yOf(c[mode].p99 as number)]);
      polyline(pts("loopDelay"), COLORS[k], "");
      polyline(pts("poolDelay"), COLORS[k], 'stroke-dasharray="6,4"');
    }
    out.push(
      `<text x="${left - 45}" y="${top + panelH / 2}" transform="rotate(-90 ${left - 45} ${top + panelH / 2})" text-anchor="middle">p99 delay (ms)</text>`,
    );
  }

  // Legend.
  let x = 70;
  const y = height - 22;
  for (const k of KERNELS) {
    out.push(
      `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${COLORS[k]}" stroke-width="3"/>`,
    );
    text(x + 30, y + 4, k);
    x += 100;
  }
  out.push(`<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="black" stroke-width="2"/>`);
  text(x + 30, y + 4, "right panel: tasks on the event loop");
  x += 260;
  out.push(
    `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="black" stroke-width="2" stroke-dasharray="6,4"/>`,
  );
  text(x + 30, y + 4, "right panel: tasks on the pool");
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
