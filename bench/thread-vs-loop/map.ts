/** `map` over many tiny items against one task per item. */
import type { ActorSystem } from "../../src/index.js";
import { check } from "../lib/measure.js";
import { summarize, type Summary } from "../lib/stats.js";
import { K, type Sizes } from "./config.js";
import { rate, settle, windowed } from "./measure.js";

export interface MapResult {
  readonly items: number;
  readonly perItemTasks: number;
  readonly map: Summary;
  readonly perItem: Summary;
  readonly ratio: number;
}

export async function measureMap(system: ActorSystem, sizes: Sizes): Promise<MapResult> {
  const items = Array.from({ length: sizes.mapItems }, (_, i) => i);
  const mapRun = async (): Promise<number> => {
    const start = performance.now();
    const out = await system.threads.map(K.double, items);
    const ms = performance.now() - start;
    check(out.length === items.length && out[items.length - 1] === 2 * (items.length - 1), "map");
    return ms;
  };
  const n = sizes.perItemTasks;
  let x = 0;
  const perItemRun = (): Promise<number> =>
    windowed(n, 1024, () => system.threads.run(K.double, [x++]));
  await mapRun();
  await perItemRun();
  const mapMs: number[] = [];
  const perItemMs: number[] = [];
  for (let r = 0; r < sizes.mapReps; r++) {
    await settle();
    mapMs.push(await mapRun());
    await settle();
    perItemMs.push(await perItemRun());
  }
  const map = summarize(mapMs.map((ms) => rate(sizes.mapItems, ms)));
  const perItem = summarize(perItemMs.map((ms) => rate(n, ms)));
  return {
    items: sizes.mapItems,
    perItemTasks: n,
    map,
    perItem,
    ratio: map.median / perItem.median,
  };
}
