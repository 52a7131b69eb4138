// Login limits, with rate-limiter-flexible's in-memory store (bounded: every key expires):
// - per client address: 20 attempts a minute (password and SSO), against guessing across accounts;
// - per (account, address): 5 failures lock that pair for 15 minutes. An outsider can lock only
//   themselves out, never the account's owner, who logs in from another address;
// - per account (any address): past 10 failures in 15 minutes each attempt is slowed (0.5 s more per
//   failure, at most 5 s), so a botnet spread over many addresses still guesses slowly.
// Keys are the email as typed (normalized), so an unknown email is limited exactly like a real one.
// On PostgreSQL the counts are in the database (rate-limiter-flexible's Postgres store, its own
// table), so every replica counts the same attempts; memory then only stands in while it fails.
import pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type IRateLimiterStoreOptions } from "rate-limiter-flexible";
import { databaseUrl, isPostgresUrl } from "../config";

const PER_IP = { points: 20, duration: 60 };
const PAIR_FAILURES = { points: 5, duration: 15 * 60, blockDuration: 15 * 60 };
const ACCOUNT_WINDOW_S = 15 * 60;
const SLOW_AFTER = 10;
const SLOW_STEP_MS = 500;
const SLOW_MAX_MS = 5_000;

type Limits = { points: number; duration: number; blockDuration?: number };

function limiter(name: string, limits: Limits): RateLimiterMemory | RateLimiterPostgres {
  const url = databaseUrl();
  if (!isPostgresUrl(url)) return new RateLimiterMemory(limits);
  const g = globalThis as typeof globalThis & { [POOL]?: pg.Pool };
  if (!g[POOL]) {
    g[POOL] = new pg.Pool({ connectionString: url, max: 2 });
    // An idle connection the server ends (a restart, a failover) is replaced, never a crash.
    g[POOL].on("error", (e) => console.error(`[stoker] login limits connection: ${e.message}`));
  }
  // clearExpiredByTimeout: expired keys are deleted hourly (the table stays bounded).
  const opts: IRateLimiterStoreOptions & { clearExpiredByTimeout: boolean } = { ...limits, storeClient: g[POOL], storeType: "pool", tableName: "stoker_login_limits", keyPrefix: name, clearExpiredByTimeout: true, insuranceLimiter: new RateLimiterMemory(limits) };
  // Each replica creates the table if missing (the store treats a lost creation race as made).
  return new RateLimiterPostgres(opts, (e?: Error) => {
    if (e) console.error(`[stoker] login limits table: ${e.message}`);
  });
}
const POOL = Symbol.for("stoker.login-limits-pool");

class LoginLimits {
  private perIp = limiter("ip", PER_IP);
  private pairFailures = limiter("pair", PAIR_FAILURES);
  private accountFailures = limiter("account", { points: 1_000_000, duration: ACCOUNT_WINDOW_S });

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
