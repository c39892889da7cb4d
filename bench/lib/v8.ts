/**
 * V8 object-shape checks for the benchmarks' self-checks. They need node's
 * `--allow-natives-syntax` (the `npm run bench` script passes it); without it they answer
 * null and the checks are skipped.
 */
let hasFastProperties: ((object: unknown) => boolean) | null;
try {
  // Natives syntax is not valid TypeScript, so it can only be compiled at run time.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  hasFastProperties = new Function("object", "return %HasFastProperties(object)") as (
    object: unknown,
  ) => boolean;
} catch {
  hasFastProperties = null;
}

/** True when V8 keeps `object` in fast mode, false in dictionary mode, null when unknown. */
export function inFastMode(object: unknown): boolean | null {
  return hasFastProperties === null ? null : hasFastProperties(object);
}
