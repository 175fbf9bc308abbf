/** Timer functions called unbound: a browser refuses `setTimeout` called as another object's method. */
export const timers = {
  setTimeout: ((fn: () => void, ms?: number) => setTimeout(fn, ms)) as typeof setTimeout,
  clearTimeout: ((h?: ReturnType<typeof setTimeout>) => clearTimeout(h)) as typeof clearTimeout,
};
