/**
 * The dashboard page in a real browser: Debian's Chromium, headless, driven by
 * playwright-core. It opens the page of a running system, sees the supervision tree, sees a
 * restart appear live after a failure is injected (from the `restarted` event on the
 * WebSocket, not from a reload), sees a dead letter, and saves a screenshot under
 * test-output/. Waits are on page conditions with a bound, never on sleeps.
 *
 * Chromium is a system package (`apt-get install chromium`). With `CI` set a missing browser
 * fails the run; on a developer machine without it this file is skipped with a notice.
 */
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Actor, ActorSystem, child, supervisor, type ActorRef } from "../../src/index.js";
import { serve, type HttpServer } from "../../src/http/index.js";

const CHROMIUM = "/usr/bin/chromium";
const OUTPUT = fileURLToPath(new URL("../../test-output/", import.meta.url));
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env["CI"] !== undefined)
    throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get install chromium`);
  console.warn(
    `\n*** test/e2e/dashboard.test.ts SKIPPED: no ${CHROMIUM}. Install it with: sudo apt-get install chromium ***\n`,
  );
}

class Worker extends Actor {
  #done = 0;
  work(): number {
    return ++this.#done;
  }
  crash(): never {
    throw new Error("injected by the browser test");
  }
}

class Store extends Actor {
  #items: string[] = [];
  put(item: string): void {
    this.#items.push(item);
  }
}

/** Bounded wait for a condition in the page. */
const UI_TIMEOUT = 10_000;

describe.skipIf(!available)("the dashboard in headless Chromium", () => {
  let system: ActorSystem;
  let server: HttpServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    system = new ActorSystem({ name: "browser-test" });
    system.start(
      supervisor({ name: "app" }, [
        child(Worker, { name: "worker" }),
        child(Store, { name: "store" }),
      ]),
    );
    server = await serve(system, { metricsInterval: 200 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(`console: ${message.text()}`);
    });
    await page.goto(server.url);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await system?.shutdown();
  });

  const worker = (): ActorRef<Worker> => {
    const ref = system.lookup<Worker>("app/worker");
    if (ref === undefined) throw new Error("app/worker is not running");
    return ref;
  };

  const text = (selector: string): Promise<string> =>
    page.locator(selector).first().innerText({ timeout: UI_TIMEOUT });

  it("connects to the live stream and shows the supervision tree", async () => {
    await page.waitForSelector('#connection[data-state="open"]', { timeout: UI_TIMEOUT });
    await page.waitForSelector('[data-path="/user/app/worker"]', { timeout: UI_TIMEOUT });
    expect(await text("#system-name")).toContain("browser-test");
    expect(await text('[data-path="/user/app"] .name')).toContain("app");
    expect(await text('[data-path="/user/app/store"] .name')).toContain("store");
    expect(await text('[data-path="/user/app/worker"] .status')).toBe("running");
    expect(await text('[data-path="/user/app/worker"] .restarts')).toBe("0");
  });

  /** Waits until an element matching `selector` has text matching `pattern`. */
  const showing = (selector: string, pattern: RegExp): Promise<void> =>
    page.locator(selector, { hasText: pattern }).first().waitFor({ timeout: UI_TIMEOUT });

  it("shows a restart live after a failure is injected", async () => {
    await worker().ask("work");
    worker().tell("crash");
    await showing('[data-path="/user/app/worker"] .restarts', /^\s*1\s*$/);
    await showing("#events", /restarted/);
    expect(await text("#events")).toContain("injected by the browser test");
  });

  it("lists a dead letter", async () => {
    const store = system.lookup<Store>("app/store");
    if (store === undefined) throw new Error("app/store is not running");
    await system.stop(store);
    store.tell("put", "a letter nobody reads");
    await showing("#dead-letters", /put/);
    expect(await text("#dead-letters")).toContain("/user/app/store");
  });

  it("saves a screenshot, with no errors in the page", async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const file = `${OUTPUT}dashboard.png`;
    await page.screenshot({ path: file, fullPage: true });
    expect(existsSync(file)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
