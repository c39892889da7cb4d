/**
 * The dashboard page's entry point: connects to the server's `/ws` stream and routes each
 * message to the part of the page that shows it. The views live in their own modules.
 */
import type { EventMessage, MetricsSample, StreamMessage } from "../protocol.js";
import { LineChart } from "./charts.js";
import { Connection, streamUrl } from "./connection.js";
import { DeadLetterTable } from "./dead-letters.js";
import { byId } from "./dom.js";
import { EventLog } from "./event-log.js";
import { formatMs, formatRate } from "./format.js";
import { Summary } from "./summary.js";
import { TreeView } from "./tree.js";

/** How much history the charts keep and show. */
const HISTORY_MS = 5 * 60_000;
/** A bound on the points drawn per line, should the server sample very often. */
const MAX_SAMPLES = 3000;

const summary = new Summary();
const tree = new TreeView(byId("tree", HTMLUListElement), byId("tree-empty", HTMLElement));
const deadLetters = new DeadLetterTable(
  byId("dead-letters", HTMLTableElement),
  byId("dead-letters-empty", HTMLElement),
);
const events = new EventLog(byId("events", HTMLOListElement), byId("events-empty", HTMLElement));

const charts = [
  new LineChart(byId("chart-messages", HTMLElement), {
    series: [{ label: "messages/s", className: "series-1", value: (s) => s.messagesPerSecond }],
    format: formatRate,
    minMax: 10,
    area: true,
  }),
  new LineChart(byId("chart-delay", HTMLElement), {
    series: [
      { label: "p50", className: "series-1", value: (s) => s.eventLoopDelayP50 },
      { label: "p99", className: "series-2", value: (s) => s.eventLoopDelayP99 },
    ],
    format: formatMs,
    minMax: 1,
  }),
  new LineChart(byId("chart-pool", HTMLElement), {
    series: [
      {
        label: "utilization",
        className: "series-1",
        value: (s) => (s.poolUtilization === null ? null : s.poolUtilization * 100),
      },
    ],
    format: (v) => `${formatRate(v)}%`,
    minMax: 10,
    maxMax: 100,
    emptyNote: "pool not started",
    area: true,
  }),
];

let samples: MetricsSample[] = [];

byId("expand-all", HTMLButtonElement).addEventListener("click", () => tree.setAllCollapsed(false));
byId("collapse-all", HTMLButtonElement).addEventListener("click", () => tree.setAllCollapsed(true));

function onMessage(message: StreamMessage): void {
  switch (message.type) {
    case "hello":
      summary.system(message.tree);
      tree.update(message.tree);
      updateTreeCount();
      samples = trim([...message.history]);
      drawSamples();
      summary.deadLetters(message.deadLetters.count);
      deadLetters.reset(message.deadLetters.recent);
      void summary.loadUptime();
      break;
    case "metrics":
      summary.system(message.tree);
      tree.update(message.tree);
      updateTreeCount();
      samples.push(message.sample);
      samples = trim(samples);
      drawSamples();
      break;
    case "event":
      onEvent(message);
      break;
  }
}

function onEvent(message: EventMessage): void {
  events.add(message);
  switch (message.event) {
    case "restarted":
      tree.restarted(message.data.path, message.data.restarts, message.data.error);
      break;
    case "failed":
      tree.failed(message.data.path, message.data.error);
      break;
    case "deadLetter":
      deadLetters.add(message.data);
      summary.deadLetterAdded();
      break;
    case "started":
    case "stopped":
    case "escalated":
    case "maxRestartsExceeded":
    case "fatal":
    case "overflow":
    case "threadError":
      // The log shows these; starts and stops reach the tree with the next metrics message.
      break;
  }
}

function drawSamples(): void {
  for (const chart of charts) chart.render(samples);
  const latest = samples[samples.length - 1];
  if (latest !== undefined) summary.sample(latest);
}

function updateTreeCount(): void {
  const count = byId("tree-count", HTMLElement);
  count.textContent = tree.size === 1 ? "1 actor" : `${tree.size} actors`;
}

/** Drops samples older than the chart window (the server may send a longer history). */
function trim(list: MetricsSample[]): MetricsSample[] {
  const latest = list[list.length - 1];
  if (latest === undefined) return list;
  const from = latest.at - HISTORY_MS;
  const firstKept = Math.max(
    list.findIndex((s) => s.at >= from),
    list.length - MAX_SAMPLES,
  );
  return firstKept <= 0 ? list : list.slice(firstKept);
}

new Connection({
  url: streamUrl(location),
  onMessage,
  onState: (state, retryAt) => summary.connection(state, retryAt),
}).start();
