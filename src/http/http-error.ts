/**
 * A refusal the server answers with: an HTTP status, a stable `code` and a message that says
 * what to do. These never reach application code; they become the JSON error body
 * (`{ error: { status, code, message } }`) that every endpoint answers failures with.
 */
import type { ErrorBody } from "./protocol.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (`WWW-Authenticate`, `Allow`). */
    readonly headers: Readonly<Record<string, string>> = {},
    /** For a handler's error: its class name. */
    readonly errorName?: string,
  ) {
    super(message);
    this.name = "HttpError";
  }

  get body(): ErrorBody {
    return {
      error: {
        status: this.status,
        code: this.code,
        message: this.message,
        ...(this.errorName === undefined ? {} : { name: this.errorName }),
      },
    };
  }
}

export function notFound(message: string, code = "ERR_HTTP_NOT_FOUND"): HttpError {
  return new HttpError(404, code, message);
}

export function badRequest(message: string, code = "ERR_HTTP_BAD_REQUEST"): HttpError {
  return new HttpError(400, code, message);
}

export function methodNotAllowed(method: string, allowed: readonly string[]): HttpError {
  return new HttpError(
    405,
    "ERR_HTTP_METHOD_NOT_ALLOWED",
    `${method} is not allowed here; use ${allowed.join(" or ")}.`,
    { allow: allowed.join(", ") },
  );
}
