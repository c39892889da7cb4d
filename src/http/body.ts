/**
 * Reading a request body with a size limit. The limit is checked against Content-Length
 * before anything is read and again while bytes arrive (chunked bodies have no length), so
 * an oversized body costs at most `limit` bytes of memory.
 */
import type { IncomingMessage } from "node:http";
import { HttpError, badRequest } from "./http-error.js";

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    "ERR_HTTP_BODY_TOO_LARGE",
    `The request body is larger than ${limit} bytes; send less, or raise the server's bodyLimit.`,
    { connection: "close" },
  );
}

/** The body as a string; rejects with 413 past `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
  });
}

/**
 * The arguments of a gateway call: a JSON array. An empty body means no arguments, so a
 * method without parameters can be called with a bare POST.
 */
export async function readArgs(request: IncomingMessage, limit: number): Promise<unknown[]> {
  const text = await readBody(request, limit);
  if (text.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(
      `The body is not valid JSON (${(error as Error).message}); send a JSON array of arguments, e.g. [1, "a"].`,
      "ERR_HTTP_MALFORMED_JSON",
    );
  }
  if (!Array.isArray(parsed))
    throw badRequest(
      `The body must be a JSON array of arguments, e.g. [1, "a"]; got ${parsed === null ? "null" : typeof parsed}.`,
      "ERR_HTTP_ARGS_NOT_ARRAY",
    );
  return parsed as unknown[];
}
