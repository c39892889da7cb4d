/**
 * The system's health over time: every `intervalMs` one sample of messages per second,
 * event-loop delay and utilization, pool utilization, mailbox depth and heap, kept for the
 * last minutes (the dashboard's charts) and handed to a listener (the WebSocket stream).
 *
 * Rates are differences between two samples: messages/s from each live actor's `processed`
 * counter (an actor that stopped in between leaves its last messages uncounted), pool
 * utilization from the pool's busy time (finished tasks only, so a long task counts when it
 * ends). Time between samples is the system clock's, so tests drive sampling with a
 * VirtualClock; event-loop figures are always real, from node:perf_hooks.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from "node:perf_hooks";
import type { TimerHandle } from "../time/clock.js";
import type { ActorSystem, SystemSnapshot } from "../system/actor-system.js";
import { RingBuffer } from "../mailbox/ring-buffer.js";
import type { MetricsSample } from "./protocol.js";
import { walk } from "./tree-json.js";

export type SampleListener = (sample: MetricsSample, snapshot: SystemSnapshot) => void;

const NS_PER_MS = 1e6;
/**
 * The delay monitor's timer period (ms). On Node 20 it records the whole gap between two of
 * its ticks (an idle loop reads ~10 ms), so the period is taken off to leave the delay.
 */
const RESOLUTION_MS = 10;

export class MetricsSampler {
  readonly #system: ActorSystem;
  readonly intervalMs: number;
  readonly #history: RingBuffer<MetricsSample>;
  readonly #capacity: number;
  readonly #delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #onSample: SampleListener;
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  /** Actor path → its `processed` at the previous sample. */
  #processed = new Map<string, number>();
  #lastAt: number;
  #lastPool: { busyMs: number; at: number } | null = null;
  #timer: TimerHandle | null = null;
  #latest: MetricsSample | null = null;

  constructor(system: ActorSystem, intervalMs: number, capacity: number, onSample: SampleListener) {
    this.#system = system;
    this.intervalMs = intervalMs;
    this.#capacity = capacity;
    this.#history = new RingBuffer(capacity);
    this.#onSample = onSample;
    this.#lastAt = system.clock.now();
  }

  start(): void {
    this.#delay.enable();
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== null) this.#system.clock.clearTimer(this.#timer);
    this.#timer = null;
    this.#delay.disable();
  }

  /** The latest sample, or null before the first. */
  get latest(): MetricsSample | null {
    return this.#latest;
  }

  /** The kept samples, oldest first. */
  history(): MetricsSample[] {
    const samples = this.#history.drain();
    for (const sample of samples) this.#history.push(sample);
    return samples;
  }

  #schedule(): void {
    this.#timer = this.#system.clock.setTimer(() => {
      this.#timer = null;
      this.#take();
      this.#schedule();
    }, this.intervalMs);
  }

  #take(): void {
    const snapshot = this.#system.inspect();
    const now = this.#system.clock.now();
    const seconds = Math.max(now - this.#lastAt, 1) / 1000;
    this.#lastAt = now;

    const processed = new Map<string, number>();
    let handled = 0;
    let actors = 0;
    let mailboxes = 0;
    for (const actor of walk(snapshot.actors)) {
      actors++;
      mailboxes += actor.mailbox;
      processed.set(actor.path, actor.processed);
      const before = this.#processed.get(actor.path) ?? 0;
      // A counter that went down belongs to a new actor at the same path.
      handled += actor.processed >= before ? actor.processed - before : actor.processed;
    }
    this.#processed = processed;

    const delay = this.#delay;
    const ms = (ns: number): number =>
      Number.isFinite(ns) ? round(Math.max(0, ns / NS_PER_MS - RESOLUTION_MS)) : 0;
    const sampled = delay.count > 0;
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();

    const threads = snapshot.threads;
    let poolUtilization: number | null = null;
    if (threads !== null && threads.started) {
      const at = performance.now();
      const last = this.#lastPool;
      if (last !== null && at > last.at)
        poolUtilization = clamp01(
          (threads.busyMs - last.busyMs) / ((at - last.at) * threads.maxThreads),
        );
      else poolUtilization = clamp01(threads.utilization);
      this.#lastPool = { busyMs: threads.busyMs, at };
    }

    const sample: MetricsSample = {
      at: Date.now(),
      messagesPerSecond: round(handled / seconds),
      eventLoopDelayP50: sampled ? ms(delay.percentile(50)) : 0,
      eventLoopDelayP99: sampled ? ms(delay.percentile(99)) : 0,
      eventLoopDelayMax: sampled ? ms(delay.max) : 0,
      eventLoopUtilization: round(clamp01(elu.utilization), 3),
      poolUtilization: poolUtilization === null ? null : round(poolUtilization, 3),
      poolQueued: threads?.queued ?? 0,
      actors,
      mailboxes,
      deadLetters: snapshot.deadLetters,
      heapUsed: process.memoryUsage().heapUsed,
    };
    delay.reset();
    if (this.#history.length === this.#capacity) this.#history.shift();
    this.#history.push(sample);
    this.#latest = sample;
    this.#onSample(sample, snapshot);
  }
}

function clamp01(x: number): number {
  return x < 0 || !Number.isFinite(x) ? 0 : x > 1 ? 1 : x;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
