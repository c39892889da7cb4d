// comlink ships the Node adapter as an .mjs file whose .d.ts TypeScript does not pair with it.
declare module "comlink/dist/esm/node-adapter.mjs" {
  import type { Endpoint } from "comlink";
  export default function nodeEndpoint(endpoint: unknown): Endpoint;
}
