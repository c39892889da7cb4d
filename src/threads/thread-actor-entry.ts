/**
 * The worker side of a thread-resident actor: imports the module, constructs the class with
 * the spawn's arguments, exposes the instance with comlink, and tells the host which methods
 * it has. A failure to import or construct is thrown here, so the worker's `error` event
 * carries it to the host (the actor's start fails and its supervisor decides).
 */
import { parentPort, workerData } from "node:worker_threads";
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";

interface Spec {
  readonly url: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
}

/** Public methods along the prototype chain, without the constructor and `_`-prefixed ones. */
function methodsOf(instance: object): string[] {
  const names = new Set<string>();
  for (
    let p = Object.getPrototypeOf(instance) as object | null;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  )
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === "constructor" || key.startsWith("_")) continue;
      const descriptor = Object.getOwnPropertyDescriptor(p, key);
      if (descriptor !== undefined && typeof descriptor.value === "function") names.add(key);
    }
  for (const key of Object.keys(instance))
    if (!key.startsWith("_") && typeof (instance as Record<string, unknown>)[key] === "function")
      names.add(key);
  return [...names];
}

const spec = (workerData as { troupeActor: Spec }).troupeActor;
const port = parentPort;
if (port === null) throw new Error("thread-actor-entry runs in a worker thread only");
const namespace = (await import(spec.url)) as Record<string, unknown>;
const Class = namespace[spec.exportName];
if (typeof Class !== "function")
  throw new TypeError(`${spec.url} has no exported class "${spec.exportName}"`);
const instance = new (Class as new (...args: unknown[]) => object)(...spec.args);
expose(instance, nodeEndpoint(port));
port.postMessage({ troupeReady: methodsOf(instance) });
