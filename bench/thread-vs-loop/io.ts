/** I/O-bound tasks (1 ms timers, loopback HTTP) on the event loop and inside pool threads. */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { summarize, type Summary } from "../lib/stats.js";
import { formatCount } from "../lib/table.js";
import { K, type Sizes } from "./config.js";
import * as kernels from "./kernels.js";
import {
  allAt,
  combineDelays,
  rate,
  settle,
  windowed,
  withDelay,
  type Delay,
  type Systems,
} from "./measure.js";

export interface IoRow {
  readonly scenario: string;
  readonly mode: string;
  readonly tasks: number;
  readonly rate: Summary;
  readonly delay: Delay;
}

/** Requests in flight in the HTTP scenario. */
export const HTTP_WINDOW = 32;

async function startServer(): Promise<{ server: Server; url: string }> {
  const body = "x".repeat(64);
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
    res.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/` };
}

async function stopServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

export async function measureIo(
  systems: Systems,
  sizes: Sizes,
  log: (line: string) => void,
): Promise<IoRow[]> {
  const rows: IoRow[] = [];
  const sides: { scenario: string; mode: string; tasks: number; run: () => Promise<number> }[] = [];
  const timers = sizes.timerTasks;
  sides.push({
    scenario: "1 ms timer",
    mode: "event loop (all at once)",
    tasks: timers,
    run: () => allAt(timers, () => kernels.sleep(1)),
  });
  for (const perWorker of [1, 64]) {
    const system = systems.get(perWorker);
    sides.push({
      scenario: "1 ms timer",
      mode: `pool, ${systems.threads} threads × ${perWorker} per thread`,
      tasks: timers,
      run: () => allAt(timers, () => system.threads.run(K.sleep, [1])),
    });
  }
  const { server, url } = await startServer();
  try {
    const requests = sizes.httpRequests;
    const window = HTTP_WINDOW;
    sides.push({
      scenario: `HTTP GET, ${window} in flight`,
      mode: "event loop (fetch)",
      tasks: requests,
      run: () => windowed(requests, window, () => kernels.httpGet(url)),
    });
    for (const perWorker of [1, 16]) {
      const system = systems.get(perWorker);
      sides.push({
        scenario: `HTTP GET, ${window} in flight`,
        mode: `pool, ${systems.threads} threads × ${perWorker} per thread (fetch in thread)`,
        tasks: requests,
        run: () => windowed(requests, window, () => system.threads.run(K.httpGet, [url])),
      });
    }
    for (const side of sides) await side.run(); // warm-up
    const samples = sides.map(() => ({ ms: [] as number[], delays: [] as Delay[] }));
    for (let r = 0; r < sizes.ioReps; r++)
      for (let s = 0; s < sides.length; s++) {
        const i = r % 2 === 0 ? s : sides.length - 1 - s;
        const side = sides[i] as (typeof sides)[number];
        await settle();
        const { value, delay } = await withDelay(side.run);
        samples[i]?.ms.push(value);
        samples[i]?.delays.push(delay);
      }
    sides.forEach((side, i) => {
      const s = samples[i] as { ms: number[]; delays: Delay[] };
      const row: IoRow = {
        scenario: side.scenario,
        mode: side.mode,
        tasks: side.tasks,
        rate: summarize(s.ms.map((ms) => rate(side.tasks, ms))),
        delay: combineDelays(s.delays),
      };
      log(`  ${row.scenario}, ${row.mode}: ${formatCount(row.rate.median)}/s`);
      rows.push(row);
    });
  } finally {
    await stopServer(server);
  }
  return rows;
}
