// The raw Piscina baseline of the target row (plain JavaScript, so it needs no loader):
// the same recursive fib as kernels.ts.
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
export default function (n) {
  return fib(n);
}
