/**
 * The crawler's HTTP client: one GET over node:http, cancellable through an AbortSignal.
 * node:http rather than `fetch` because its errors say plainly what happened (an `HttpError`
 * with the status, or a Node error with a `code` such as ECONNRESET), which is what a retry
 * policy needs to tell a transient failure from a permanent one.
 */
import { get } from "node:http";

/** The server answered, but not with 200. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status} from ${url}`);
    this.name = "HttpError";
  }
}

/** The connection broke before an answer came (the server reset it, or hung up). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ECONNREFUSED";
}

/** GETs `url` and resolves with the body of a 200; rejects with HttpError for any other status. */
export function getText(url: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { signal }, (response) => {
      const status = response.statusCode ?? 0;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("error", reject);
      response.on("end", () =>
        status === 200 ? resolve(body) : reject(new HttpError(status, url)),
      );
    });
    request.on("error", reject); // a reset connection, or the signal aborted the request
  });
}
