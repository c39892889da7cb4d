/** A task function for examples/pipeline.ts: a deliberately slow hash (it runs in threads). */
import { createHash } from "node:crypto";

/**
 * SHA-256 of `data`, then of the digest again `rounds` times (key stretching): a few
 * milliseconds of CPU per call, enough to be worth a thread.
 */
export function stretchedSha256(data: Uint8Array, rounds: number): string {
  let digest = createHash("sha256").update(data).digest();
  for (let r = 0; r < rounds; r++) digest = createHash("sha256").update(digest).digest();
  return digest.toString("hex");
}
