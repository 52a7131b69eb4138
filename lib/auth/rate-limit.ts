// A small fixed-window rate limiter per key (e.g. login attempts per IP), in memory.
export class RateLimiter {
  private hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private limit: number,
    private windowMs: number,
  ) {}

  /** Counts one hit; false when the key is over its limit for this window. */
  take(key: string): boolean {
    const now = Date.now();
    const entry = this.hits.get(key);
    if (!entry || entry.resetAt <= now) {
      if (this.hits.size > 10_000) this.hits.clear(); // bounded memory under a flood of keys
      this.hits.set(key, { count: 1, resetAt: now + this.windowMs });
      return true;
    }
    entry.count++;
    return entry.count <= this.limit;
  }
}

const KEY = Symbol.for("stoker.login-limiter");
export function loginLimiter(): RateLimiter {
  const g = globalThis as typeof globalThis & { [KEY]?: RateLimiter };
  g[KEY] ??= new RateLimiter(20, 60_000);
  return g[KEY];
}
