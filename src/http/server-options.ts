/**
 * Options of `serve(system, options)`, with their defaults and their checks (each throws
 * InvalidOptionError naming the option, the contract and the value received).
 */
import { InvalidOptionError } from "../errors.js";
import { checkInteger, checkKnownKeys, checkObject } from "../validation.js";
import { checkGatewayOptions, type GatewayOptions } from "./gateway.js";

export interface HttpServerOptions {
  /**
   * Interface to listen on. Loopback by default: the status API shows the system's inside,
   * so another host must be asked for explicitly (e.g. "0.0.0.0").
   * @default "127.0.0.1"
   */
  readonly host?: string;
  /**
   * TCP port; 0 picks a free one (read it from `server.url`).
   * @default 0
   */
  readonly port?: number;
  /** Enables `POST /api/actors/<path>/tell|ask/<method>` for exposed actors; off without it. */
  readonly gateway?: GatewayOptions;
  /**
   * Largest request body accepted (bytes); larger ones get 413.
   * @default 65536
   */
  readonly bodyLimit?: number;
  /**
   * Time between metrics samples (ms of the system clock); each is sent on `/ws`.
   * @default 1000
   */
  readonly metricsInterval?: number;
  /**
   * Samples kept for `GET /api/metrics` and a new dashboard's charts.
   * @default 300 (five minutes at the default interval)
   */
  readonly history?: number;
  /**
   * Bytes a WebSocket client may have waiting for it before it is dropped.
   * @default 1048576
   */
  readonly maxBufferedBytes?: number;
  /**
   * Time between pings to WebSocket clients (ms of the system clock); a client that has not
   * answered the previous ping is dropped.
   * @default 30000
   */
  readonly heartbeatInterval?: number;
  /**
   * Serve the dashboard page at `/`.
   * @default true
   */
  readonly dashboard?: boolean;
}

export interface ResolvedServerOptions {
  readonly host: string;
  readonly port: number;
  readonly gateway: GatewayOptions | undefined;
  readonly bodyLimit: number;
  readonly metricsInterval: number;
  readonly history: number;
  readonly maxBufferedBytes: number;
  readonly heartbeatInterval: number;
  readonly dashboard: boolean;
}

const KEYS = [
  "host",
  "port",
  "gateway",
  "bodyLimit",
  "metricsInterval",
  "history",
  "maxBufferedBytes",
  "heartbeatInterval",
  "dashboard",
];

export function resolveServerOptions(
  options: HttpServerOptions | undefined,
): ResolvedServerOptions {
  checkObject("options", options);
  const o = options ?? {};
  checkKnownKeys("options", o, KEYS);
  if (o.host !== undefined && (typeof o.host !== "string" || o.host.length === 0))
    throw new InvalidOptionError("host", 'a host name or address, e.g. "127.0.0.1"', o.host);
  checkInteger("port", o.port, 0, 65535);
  if (o.gateway !== undefined) checkGatewayOptions(o.gateway);
  checkInteger("bodyLimit", o.bodyLimit, 1);
  checkInteger("metricsInterval", o.metricsInterval, 10);
  checkInteger("history", o.history, 1);
  checkInteger("maxBufferedBytes", o.maxBufferedBytes, 1);
  checkInteger("heartbeatInterval", o.heartbeatInterval, 10);
  if (o.dashboard !== undefined && typeof o.dashboard !== "boolean")
    throw new InvalidOptionError("dashboard", "a boolean", o.dashboard);
  return {
    host: o.host ?? "127.0.0.1",
    port: o.port ?? 0,
    gateway: o.gateway,
    bodyLimit: o.bodyLimit ?? 65_536,
    metricsInterval: o.metricsInterval ?? 1000,
    history: o.history ?? 300,
    maxBufferedBytes: o.maxBufferedBytes ?? 1_048_576,
    heartbeatInterval: o.heartbeatInterval ?? 30_000,
    dashboard: o.dashboard ?? true,
  };
}
