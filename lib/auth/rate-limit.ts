// Login limits, with rate-limiter-flexible's in-memory store (bounded: every key expires):
// - per client address: 20 attempts a minute (password and SSO), against guessing across accounts;
// - per (account, address): 5 failures lock that pair for 15 minutes. An outsider can lock only
//   themselves out, never the account's owner, who logs in from another address;
// - per account (any address): past 10 failures in 15 minutes each attempt is slowed (0.5 s more per
//   failure, at most 5 s), so a botnet spread over many addresses still guesses slowly.
// Keys are the email as typed (normalized), so an unknown email is limited exactly like a real one.
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

const PER_IP = { points: 20, duration: 60 };
const PAIR_FAILURES = { points: 5, duration: 15 * 60, blockDuration: 15 * 60 };
const ACCOUNT_WINDOW_S = 15 * 60;
const SLOW_AFTER = 10;
const SLOW_STEP_MS = 500;
const SLOW_MAX_MS = 5_000;

class LoginLimits {
  private perIp = new RateLimiterMemory(PER_IP);
  private pairFailures = new RateLimiterMemory(PAIR_FAILURES);
  private accountFailures = new RateLimiterMemory({ points: 1_000_000, duration: ACCOUNT_WINDOW_S });

  /** Counts one attempt from an address; false when the address is over its limit. */
  async take(ip: string): Promise<boolean> {
    try {
      await this.perIp.consume(ip || "unknown");
      return true;
    } catch (e) {
      if (e instanceof RateLimiterRes) return false;
      throw e;
    }
  }

  /** Before checking a password: minutes left if this (account, address) pair is locked, else the slowdown to apply. */
  async before(email: string, ip: string): Promise<{ lockedMinutes: number } | { delayMs: number }> {
    const pair = await this.pairFailures.get(pairKey(email, ip));
    if (pair && pair.consumedPoints >= PAIR_FAILURES.points) return { lockedMinutes: Math.max(1, Math.ceil(pair.msBeforeNext / 60_000)) };
    const account = await this.accountFailures.get(accountKey(email));
    const over = (account?.consumedPoints ?? 0) - SLOW_AFTER;
    return { delayMs: over > 0 ? Math.min(SLOW_MAX_MS, over * SLOW_STEP_MS) : 0 };
  }

  async failed(email: string, ip: string): Promise<void> {
    await this.pairFailures.penalty(pairKey(email, ip), 1).catch(() => {});
    await this.accountFailures.penalty(accountKey(email), 1).catch(() => {});
  }

  /** A right password clears its own address's failures (not the account's: other addresses may still be guessing). */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.pairFailures.delete(pairKey(email, ip));
  }
}

const accountKey = (email: string) => email.trim().toLowerCase();
const pairKey = (email: string, ip: string) => `${accountKey(email)}\n${ip || "unknown"}`;

const KEY = Symbol.for("stoker.login-limits");
export function loginLimiter(): LoginLimits {
  const g = globalThis as typeof globalThis & { [KEY]?: LoginLimits };
  g[KEY] ??= new LoginLimits();
  return g[KEY];
}
