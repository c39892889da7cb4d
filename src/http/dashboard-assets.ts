/**
 * The dashboard page's files: built by `npm run build:dashboard` (esbuild bundles
 * src/http/dashboard/ into dist/dashboard/), read once and served from memory. From the
 * built package this module is dist/src/http/, from source src/http/: both find
 * dist/dashboard/ relative to themselves.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const FILES: Readonly<Record<string, string>> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/app.js": "app.js",
  "/style.css": "style.css",
};

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

const CANDIDATES = [
  new URL("../../dashboard/", import.meta.url), // dist/src/http/ → dist/dashboard/
  new URL("../../dist/dashboard/", import.meta.url), // src/http/ → dist/dashboard/
];

/** The directory with the built page, or null when it was not built. */
export function dashboardDir(): string | null {
  for (const url of CANDIDATES) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return null;
}

/** Loads the page's files; null when the page was not built. */
export function loadDashboard(): ReadonlyMap<string, Asset> | null {
  const dir = dashboardDir();
  if (dir === null) return null;
  const assets = new Map<string, Asset>();
  for (const [route, file] of Object.entries(FILES)) {
    const type = TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    assets.set(route, { type, body: readFileSync(`${dir}${file}`) });
  }
  return assets;
}
