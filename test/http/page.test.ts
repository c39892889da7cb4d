/**
 * The dashboard page routes (`/`, `/index.html`, `/app.js`, `/style.css`), with the built
 * files replaced by a stand-in so the routes are tested whether or not the page was built:
 * each file with its content type, no-cache and the page's security headers; HEAD without a
 * body; 405 for other methods; 503 that says how to build the page when it was not built;
 * 404 for `/` with `dashboard: false`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ActorSystem } from "../../src/index.js";
import type { VirtualClock } from "../../src/testing/index.js";
import { serve, type HttpServer, type HttpServerOptions } from "../../src/http/index.js";
import type { Asset } from "../../src/http/dashboard-assets.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { expectError, page } from "../support/http.js";

/** What the stand-in loader returns: the page's files, or null as when it was not built. */
const built = vi.hoisted(() => ({ assets: null as ReadonlyMap<string, Asset> | null }));

vi.mock("../../src/http/dashboard-assets.js", () => ({ loadDashboard: () => built.assets }));

const HTML = "<!doctype html><title>troupe</title>";
const JS = "console.log('dashboard');";
const CSS = "body { margin: 0 }";

function asset(type: string, body: string): Asset {
  return { type, body: Buffer.from(body) };
}

let clock: VirtualClock;
let system: ActorSystem;
let server: HttpServer | null = null;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
  const html = asset("text/html; charset=utf-8", HTML);
  built.assets = new Map([
    ["/", html],
    ["/index.html", html],
    ["/app.js", asset("text/javascript; charset=utf-8", JS)],
    ["/style.css", asset("text/css; charset=utf-8", CSS)],
  ]);
});

afterEach(async () => {
  await server?.close();
  server = null;
  await stopVirtualSystem(system, clock);
});

async function start(options?: HttpServerOptions): Promise<HttpServer> {
  server = await serve(system, options);
  return server;
}

describe("the page", () => {
  it("serves the page at / and /index.html with its security headers", async () => {
    await start();
    for (const path of ["/", "/index.html"]) {
      const reply = await page(server!, path);
      expect(reply.status).toBe(200);
      expect(reply.body).toBe(HTML);
      expect(reply.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(reply.headers.get("cache-control")).toBe("no-cache");
      expect(reply.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(reply.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(reply.headers.get("x-frame-options")).toBe("DENY");
      expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
      expect(reply.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  it("serves the script and the style sheet with their content types", async () => {
    await start();
    const js = await page(server!, "/app.js");
    expect(js).toMatchObject({ status: 200, body: JS });
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const css = await page(server!, "/style.css");
    expect(css).toMatchObject({ status: 200, body: CSS });
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers HEAD with the length and no body", async () => {
    await start();
    const response = await fetch(server!.url, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(Buffer.byteLength(HTML)));
    expect(await response.text()).toBe("");
  });

  it("answers 405 with Allow: GET to other methods", async () => {
    await start();
    const reply = await page(server!, "/app.js", { method: "POST", body: "x" });
    expectError(reply, 405, "ERR_HTTP_METHOD_NOT_ALLOWED", "POST is not allowed here; use GET.");
    expect(reply.headers.get("allow")).toBe("GET");
  });

  it("answers 404 for files the page does not have", async () => {
    await start();
    expectError(
      await page(server!, "/secret.txt"),
      404,
      "ERR_HTTP_NOT_FOUND",
      "Nothing at /secret.txt",
    );
  });

  it("answers 503 at / saying how to build the page when it was not built", async () => {
    built.assets = null;
    await start();
    expectError(
      await page(server!, "/"),
      503,
      "ERR_HTTP_DASHBOARD_NOT_BUILT",
      "The dashboard page was not built: run `npm run build` (or `npm run build:dashboard`).",
    );
    expectError(await page(server!, "/app.js"), 404, "ERR_HTTP_NOT_FOUND", "Nothing at /app.js");
  });

  it("answers 404 at / with dashboard: false, and still serves the API", async () => {
    await start({ dashboard: false });
    expectError(
      await page(server!, "/"),
      404,
      "ERR_HTTP_NOT_FOUND",
      "Nothing at /; the API is under /api/.",
    );
    expectError(await page(server!, "/app.js"), 404, "ERR_HTTP_NOT_FOUND", "Nothing at /app.js");
    expect((await page(server!, "/api/status")).status).toBe(200);
  });
});
