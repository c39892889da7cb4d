// The raw Piscina baseline's worker (plain JavaScript, so it needs no loader): a no-op task.
export default function noop() {
  return 0;
}
