// The one polling wait of the tests: a module of its own, so agent tests use it without loading
// the stack module (stack.ts re-exports it for the tests that already import it from there).

/**
 * Calls `check` every `everyMs` until it returns something truthy, and resolves with that value.
 * `check` runs at least once, and once more after the deadline; then it rejects with
 * "timed out waiting for `what`". A sync `check` is fine; an async one is awaited before the next.
 */
export async function waitUntil<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  what = "condition",
  everyMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const past = Date.now() > deadline;
    const v = await check();
    if (v) return v;
    if (past) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
