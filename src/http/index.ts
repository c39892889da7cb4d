/**
 * troupe/http: an observer for a running ActorSystem — status API, a gateway to the actors
 * the application exposes, a live WebSocket event stream and a dashboard page.
 * This module only re-exports; each concept lives in its own file.
 */
export { serve, HttpServer } from "./server.js";
export type { HttpServerOptions } from "./server-options.js";
export type { GatewayOptions } from "./gateway.js";
export {
  expose,
  Exposure,
  type ExposedMethods,
  type ExposedPathMethods,
  type MethodRule,
} from "./exposure.js";
export type * from "./protocol.js";
