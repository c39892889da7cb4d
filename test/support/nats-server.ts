/**
 * Real `nats-server` processes for the NATS tests: each on a free loopback port, in its own
 * temporary directory (ports file, JetStream store, log), stopped by PID.
 *
 * - `startNats()` starts one server (`-a 127.0.0.1 -p -1 --ports_file_dir DIR`, plus
 *   `-js -sd DIR` with `jetstream: true`) and resolves once its ports file says where it
 *   listens. Its output goes to a log file, shown in the error when it fails to start.
 * - `startCluster(3)` starts servers routed together (the first is the seed the others route
 *   to; they find each other through it) and resolves once every server has a route to every
 *   other one, so a client may connect to any of them.
 * - `stop()` sends SIGTERM, then SIGKILL past a bound, waits for the exit and removes the
 *   directory; `kill(signal)` only sends a signal (SIGKILL for a crash, SIGSTOP to freeze).
 * - `describeNats(name, fn)` is `describe` for a NATS suite: it stops every server still
 *   running after the suite (a safety net for failed tests), and when the binary is missing
 *   it fails the file with `CI` set and skips it with a loud notice otherwise. Servers still
 *   running when the test process exits are SIGKILLed.
 *
 * The binary is the Debian package's (`apt-get install nats-server` puts it in /usr/sbin, which
 * is not on every user's PATH), or the path in `NATS_SERVER` when that is set.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, describe } from "vitest";

/** The nats-server executable, or undefined when none is installed. */
export const NATS_SERVER: string | undefined = (
  process.env["NATS_SERVER"] !== undefined && process.env["NATS_SERVER"] !== ""
    ? [process.env["NATS_SERVER"]]
    : ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
).find((path) => existsSync(path));

const INSTALL_HINT = "sudo apt-get install nats-server (Debian package)";

/** Whether a nats-server binary is installed. */
export function natsAvailable(): boolean {
  return NATS_SERVER !== undefined;
}

/**
 * `describe` for a suite that needs nats-server. Without the binary: with `CI` set this
 * throws (the test file fails); otherwise the suite is skipped with a loud notice. After the
 * suite every server started and not yet stopped is stopped (its own `afterAll` hooks, e.g.
 * closing clients, run first).
 */
export function describeNats(name: string, fn: () => void): void {
  if (!natsAvailable()) {
    if (process.env["CI"] !== undefined)
      throw new Error(`nats-server is missing (CI is set): .ci/run installs it with apt-get`);
    console.warn(
      `\n*** NATS suite "${name}" SKIPPED: no nats-server. Install it with: ${INSTALL_HINT} ***\n`,
    );
  }
  describe.skipIf(!natsAvailable())(name, () => {
    afterAll(stopAllNats);
    fn();
  });
}

export interface NatsServerOptions {
  /** Enables JetStream (`-js`) with its store in the server's temporary directory. */
  readonly jetstream?: boolean;
  /** Client port; a restarted server can take its predecessor's. @default -1 (a free one) */
  readonly port?: number;
  /** Server name (`--server_name`), also seen in its log. @default generated */
  readonly name?: string;
  /** Joins a cluster: its name, and the cluster URLs of servers to route to. */
  readonly cluster?: {
    readonly name: string;
    readonly routes?: readonly string[];
    /** Route port. @default -1 (a free one) */
    readonly port?: number;
  };
  /** The server is killed and `startNats` rejects past this. @default 10 s */
  readonly startTimeoutMs?: number;
}

/** How a server process ended. */
export interface NatsExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running nats-server. */
export interface NatsServer {
  readonly name: string;
  readonly pid: number;
  /** Client URL, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Monitoring URL (`/varz`, `/routez`, `/connz`...), `http://127.0.0.1:<port>`. */
  readonly monitorUrl: string;
  /** Route URL when in a cluster. */
  readonly clusterUrl: string | undefined;
  /** Its temporary directory (ports file, JetStream store, log), removed by `stop()`. */
  readonly dir: string;
  readonly logFile: string;
  /** Resolves when the process has ended (and been reaped), however it ended. */
  readonly exited: Promise<NatsExit>;
  /** Whether the process has ended. */
  readonly running: boolean;
  /** Its log so far. */
  log(): string;
  /** Sends a signal (SIGKILL: a crash; SIGSTOP/SIGCONT: a freeze) if it is still running. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL past a bound, waits for the exit, removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Servers started and not yet stopped by `stop()`. */
const servers = new Set<NatsServer>();

/** SIGTERM is given this long before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/** Starts a nats-server on a free loopback port and resolves once it listens. */
export async function startNats(options: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = NATS_SERVER;
  if (bin === undefined) throw new Error(`nats-server is not installed: ${INSTALL_HINT}`);
  const dir = await mkdtemp(join(tmpdir(), "troupe-nats-"));
  const portsDir = join(dir, "ports");
  await mkdir(portsDir);
  const logFile = join(dir, "nats-server.log");
  const name = options.name ?? `troupe-${dir.slice(-6)}`;
  const args = [
    ...["-a", "127.0.0.1", "-p", String(options.port ?? -1), "-m", "-1"],
    ...["--server_name", name, "--ports_file_dir", portsDir],
  ];
  if (options.jetstream === true) args.push("-js", "-sd", join(dir, "jetstream"));
  if (options.cluster !== undefined) {
    const { cluster } = options;
    args.push("--cluster", `nats://127.0.0.1:${cluster.port ?? -1}`);
    args.push("--cluster_name", cluster.name);
    if (cluster.routes !== undefined && cluster.routes.length > 0)
      args.push("--routes", cluster.routes.join(","));
  }

  // stdout and stderr straight into the log file: nothing for this process to drain.
  const logFd = openSync(logFile, "a");
  const child = (() => {
    try {
      return spawn(bin, args, { stdio: ["ignore", logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
  })();
  let ended = false;
  let spawnError: Error | undefined;
  const exited = new Promise<NatsExit>((resolve) => {
    child.once("exit", (code, signal) => {
      ended = true;
      resolve({ code, signal });
    });
    child.once("error", (error) => {
      // Spawning failed (no "exit" follows); a failed kill() also lands here, while running.
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) return;
      spawnError = error;
      ended = true;
      resolve({ code: null, signal: null });
    });
  });
  const log = (): string => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const kill = (signal: NodeJS.Signals = "SIGKILL"): void => {
    if (!ended) child.kill(signal);
  };
  const pid = child.pid;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!ended) {
        child.kill("SIGTERM");
        child.kill("SIGCONT"); // a frozen (SIGSTOPped) server handles SIGTERM once resumed
        const graceful = await settlesWithin(exited, STOP_GRACE_MS);
        if (!graceful) child.kill("SIGKILL");
      }
      await exited;
      servers.delete(server);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })());

  const server: NatsServer = {
    name,
    pid: pid ?? -1,
    url: "",
    port: 0,
    monitorUrl: "",
    clusterUrl: undefined,
    dir,
    logFile,
    exited,
    get running() {
      return !ended;
    },
    log,
    kill,
    stop,
  };
  servers.add(server);

  const fail = async (why: string): Promise<never> => {
    const text = log();
    await stop();
    throw new Error(
      `nats-server ${args.join(" ")}: ${why}` +
        (spawnError !== undefined ? ` (${spawnError.message})` : "") +
        `\n--- its output (${logFile}) ---\n${text}`,
    );
  };
  if (pid === undefined) return fail("did not start");

  // The ports file (`<executable>_<pid>.ports`) is written once the listeners are up. A
  // bounded poll of the directory: this is process start-up, not a timing assertion.
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let ports: { nats?: string[]; monitoring?: string[]; cluster?: string[] } | undefined;
  while (ports === undefined) {
    if (ended) return fail(`exited while starting (${JSON.stringify(await exited)})`);
    if (Date.now() > deadline) return fail("no ports file in time");
    const file = (await readdir(portsDir)).find((f) => f.endsWith(`_${pid}.ports`));
    if (file !== undefined) {
      try {
        ports = JSON.parse(await readFile(join(portsDir, file), "utf8")) as typeof ports;
      } catch {
        // Read while being written: read it again.
      }
    }
    if (ports === undefined) await delay(20);
  }
  const url = ports.nats?.[0];
  const monitorUrl = ports.monitoring?.[0];
  if (url === undefined || monitorUrl === undefined)
    return fail(`unexpected ports file ${JSON.stringify(ports)}`);
  return Object.assign(server, {
    url,
    port: Number(new URL(url).port),
    monitorUrl,
    clusterUrl: ports.cluster?.[0],
  });
}

/** Servers routed together on loopback. */
export interface NatsCluster {
  readonly name: string;
  readonly servers: readonly NatsServer[];
  /** Their client URLs, in order. */
  readonly urls: readonly string[];
  /** Stops every server. */
  stop(): Promise<void>;
}

/**
 * Starts `size` servers routed together and resolves once each has a route to every other
 * (so interest registered on one server reaches the others from then on).
 */
export async function startCluster(
  size = 3,
  options: Pick<NatsServerOptions, "startTimeoutMs"> = {},
): Promise<NatsCluster> {
  const name = `troupe-cluster-${process.pid}-${++clusters}`;
  const started: NatsServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
  };
  try {
    // The seed listens for routes on a free port; the others route to it and learn of each
    // other from it (gossip), which makes a full mesh.
    const seed = await startNats({ ...options, name: `${name}-0`, cluster: { name } });
    started.push(seed);
    const seedRoute = seed.clusterUrl;
    if (seedRoute === undefined) throw new Error(`${seed.name} has no route port`);
    const rest = await Promise.allSettled(
      Array.from({ length: size - 1 }, (_, i) =>
        startNats({
          ...options,
          name: `${name}-${i + 1}`,
          cluster: { name, routes: [seedRoute] },
        }),
      ),
    );
    for (const r of rest) if (r.status === "fulfilled") started.push(r.value);
    for (const r of rest) if (r.status === "rejected") throw r.reason;
    await meshed(started, Date.now() + (options.startTimeoutMs ?? 10_000));
    return { name, servers: started, urls: started.map((s) => s.url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

let clusters = 0;

/** Polls each server's `/routez` (bounded) until it has a route to every other server. */
async function meshed(cluster: readonly NatsServer[], deadline: number): Promise<void> {
  const routez = async (s: NatsServer) =>
    (await (await fetch(`${s.monitorUrl}/routez`)).json()) as {
      server_id: string;
      routes?: { remote_id: string }[];
    };
  for (;;) {
    const views = await Promise.all(cluster.map(routez));
    const ids = views.map((v) => v.server_id);
    const missing = views.flatMap((v, i) => {
      const seen = new Set((v.routes ?? []).map((r) => r.remote_id));
      return ids.filter((id) => id !== v.server_id && !seen.has(id)).map(() => cluster[i]?.name);
    });
    if (missing.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `cluster not meshed in time; missing routes on ${missing.join(", ")}\n` +
          cluster.map((s) => `--- ${s.name} (${s.logFile}) ---\n${s.log()}`).join("\n"),
      );
    await delay(20);
  }
}

/** Stops every server started and not yet stopped. */
export async function stopAllNats(): Promise<void> {
  await Promise.all([...servers].map((s) => s.stop()));
}

// Last resort for servers still up when the test process ends without the safety net having
// run (a server started outside `describeNats`, a cut-short run): SIGKILL them on exit, and
// on SIGTERM (how vitest ends its workers, which skips "exit" handlers) before the default
// action, raised again once this listener is gone.
function killLeftovers(): void {
  for (const s of servers) {
    try {
      if (s.running) process.kill(s.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
  servers.clear();
}
process.once("exit", killLeftovers);
process.once("SIGTERM", () => {
  killLeftovers();
  if (process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
});

/** `promise`, or a rejection naming `what` if it has not settled within `ms` (a bound). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  try {
    await within(promise, ms, "");
    return true;
  } catch {
    return false;
  }
}
