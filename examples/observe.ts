/**
 * Observe: a running supervision tree seen through troupe/http — dashboard, status API, gateway.
 *
 * The tree, started with `system.start(supervisor(...))`:
 *
 *   /user/shop              a supervisor with oneForOne()
 *   /user/shop/inventory    reserves stock; every 400 ms recounts it on the thread pool
 *   /user/shop/payments     charges orders; the card network "resets" on every 40th charge,
 *                           so it fails and is restarted (watch its restart count grow)
 *   /user/shop/mailer       rate-limited to 60 mails/s with a bounded mailbox of 20: in a
 *                           rush the oldest mails are dropped and become dead letters
 *   /user/shop/orders       places orders: reserve, then charge, then mail
 *
 * A driver places 50 orders a second, and 100 during a rush (two seconds out of every six). The server (`serve(system, ...)`) listens on
 * 127.0.0.1 and prints its URL: open it in a browser to see the dashboard. The gateway
 * exposes `orders.place` and `orders.count` to callers that send the printed token.
 *
 * Without `--serve` the example runs for three seconds, reads what a client would (the
 * WebSocket event stream, GET /api/status, an ask through the gateway), prints it and exits.
 * With `--serve` it keeps running until Ctrl-C. `--port N` picks the port (default: a free
 * one; 7070 with --serve).
 *
 * Run it with `npm run example -- observe [--serve] [--port N]`.
 */
// Inside this repository the examples import the source; your code imports "troupe" and
// "troupe/http".
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import {
  Actor,
  ActorSystem,
  child,
  oneForOne,
  supervisor,
  taskModule,
  type ActorRef,
} from "../src/index.js";
import { expose, serve, type StatusJson, type StreamMessage } from "../src/http/index.js";
import type * as Primes from "./_primes.js";

const { values: flags } = parseArgs({
  options: { serve: { type: "boolean", default: false }, port: { type: "string" } },
});
const keepServing = flags.serve;
const port = flags.port === undefined ? (keepServing ? 7070 : 0) : Number(flags.port);
const RUN_MS = 3_000;
/** The driver's tick: one order per tick, two during a rush. */
const TICK_MS = 20;

const tasks = taskModule<typeof Primes>(new URL("./_primes.ts", import.meta.url));

class Inventory extends Actor {
  #reserved = 0;

  reserve(_item: string, qty: number): boolean {
    this.#reserved += qty;
    return true;
  }

  reserved(): number {
    return this.#reserved;
  }

  /** CPU work on the pool, so the dashboard's pool chart has something to show. */
  async recount(): Promise<number> {
    return await this.offload(tasks.countPrimes, 600_000);
  }

  protected override onStart(): void {
    this.timers.periodic("recount", 400, (self) => self.recount());
  }
}

class Payments extends Actor {
  #charges = 0;

  charge(orderId: number, amount: number): number {
    if (++this.#charges % 40 === 0)
      throw new Error(`card network reset while charging order ${orderId} (${amount} cents)`);
    return amount;
  }
}

class Mailer extends Actor {
  #sent = 0;

  send(_orderId: number): void {
    this.#sent++;
  }

  sent(): number {
    return this.#sent;
  }
}

class Orders extends Actor {
  #placed = 0;

  async place(item: string, qty: number): Promise<number> {
    const id = ++this.#placed;
    const shop = this.context.parent;
    await lookup<Inventory>(shop.path, "inventory").ask("reserve", item, qty);
    lookup<Payments>(shop.path, "payments").tell("charge", id, qty * 250);
    lookup<Mailer>(shop.path, "mailer").tell("send", id);
    return id;
  }

  count(): number {
    return this.#placed;
  }
}

const system = new ActorSystem({ name: "shop" });

function lookup<A extends Actor>(parent: string, name: string): ActorRef<A> {
  const ref = system.lookup<A>(`${parent}/${name}`);
  if (ref === undefined) throw new Error(`${parent}/${name} is not running`);
  return ref;
}

system.start(
  supervisor({ name: "shop", strategy: oneForOne({ maxRestarts: 1_000, within: 60_000 }) }, [
    child(Inventory, { name: "inventory" }),
    child(Payments, { name: "payments" }),
    child(Mailer, {
      name: "mailer",
      rateLimit: { rate: 60, burst: 20 },
      mailbox: { capacity: 20, overflow: "drop-oldest" },
    }),
    child(Orders, { name: "orders" }),
  ]),
);

const token = randomBytes(18).toString("base64url");
const server = await serve(system, {
  port,
  gateway: { token, expose: [expose("shop/orders", ["place", "count"])] },
});
console.log(`dashboard  ${server.url}`);
console.log(
  `gateway    curl -X POST -H 'authorization: Bearer ${token}' ${server.url}api/actors/user/shop/orders/ask/count`,
);

// The driver: a stream of orders through the tree, with a rush two seconds out of every six.
const items = ["tea", "cups", "kettle", "honey"];
const startedAt = Date.now();
let sent = 0;
const driver = setInterval(() => {
  const rush = Math.floor((Date.now() - startedAt) / 1_000) % 6 < 2;
  const orders = system.lookup<Orders>("shop/orders");
  for (let i = rush ? 2 : 1; i > 0; i--) {
    orders?.tell("place", items[sent % items.length] ?? "tea", 1 + (sent % 3));
    sent++;
  }
}, TICK_MS);

if (keepServing) {
  console.log("serving    until Ctrl-C");
  process.once("SIGINT", () => void stop());
} else {
  await observeAsAClient();
  await stop();
}

async function stop(): Promise<void> {
  clearInterval(driver);
  await system.shutdown(); // the server closes with the system
  console.log("stopped    the system and its server");
}

/** What a client sees: the event stream for a while, then the status API and the gateway. */
async function observeAsAClient(): Promise<void> {
  const seen = new Map<string, number>();
  const socket = new WebSocket(`${server.url.replace(/^http/, "ws")}ws`);
  socket.on("message", (data: Buffer) => {
    const message = JSON.parse(data.toString("utf8")) as StreamMessage;
    const kind = message.type === "event" ? message.event : message.type;
    seen.set(kind, (seen.get(kind) ?? 0) + 1);
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  await new Promise((resolve) => setTimeout(resolve, RUN_MS));
  socket.close();

  const status = (await (await fetch(`${server.url}api/status`)).json()) as StatusJson;
  const reply = await fetch(`${server.url}api/actors/user/shop/orders/ask/count`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  const refused = await fetch(`${server.url}api/actors/user/shop/orders/ask/count`, {
    method: "POST",
  });

  const count = (kind: string): number => seen.get(kind) ?? 0;
  console.log(
    `stream     hello ${count("hello")}, metrics ${count("metrics")}, restarted ${count("restarted")}, failed ${count("failed")}, dead letters ${count("deadLetter")}`,
  );
  console.log(
    `status     ${status.actors} actors, ${status.deadLetters} dead letters, event loop p99 ${status.eventLoop.delayP99} ms, pool ${status.threads === null ? "not started" : `${status.threads.threads} threads, ${status.threads.completed} tasks done`}`,
  );
  console.log(
    `gateway    ask orders.count with the token -> ${reply.status} ${await reply.text()}`,
  );
  console.log(`gateway    ask orders.count without it    -> ${refused.status}`);
  console.log(`driver     placed ${sent} orders in ${RUN_MS / 1000} s`);
}
