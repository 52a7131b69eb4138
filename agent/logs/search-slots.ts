// Bounds the agent's concurrent `?regex=` log searches: a few run at once, a few more wait in line
// (first come, first served), and anything beyond is refused at once with RATE_LIMITED (429 through
// the API) instead of piling up scans over the same files on a 2-core host. One gate per agent.
import { err, ok, type Result } from "../../lib/protocol";

export type SlotLimits = { running: number; waiting: number; waitMs: number };
export const REGEX_SEARCH_LIMITS: SlotLimits = { running: 4, waiting: 16, waitMs: 15_000 };

export class SearchSlots {
  private active = 0;
  private readonly queue: Array<{ grant: () => void }> = [];
  /** The most searches that ever ran at once (tests and the agent's own stats read it). */
  peak = 0;
  refused = 0;

  constructor(readonly limits: SlotLimits = REGEX_SEARCH_LIMITS) {}

  private busy(): Result<never> {
    this.refused++;
    return err(
      "RATE_LIMITED",
      `Too many regular-expression searches on this host right now (${this.limits.running} run at once, ${this.limits.waiting} may wait). Try again in a moment, or narrow the search with text, level or a time range.`,
    );
  }

  /** Waits for a slot (or refuses); the caller must call the returned release exactly once. */
  async acquire(): Promise<Result<() => void>> {
    if (this.active < this.limits.running && this.queue.length === 0) return ok(this.take());
    if (this.queue.length >= this.limits.waiting) return this.busy();
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          clearTimeout(timer);
          resolve(ok(this.take()));
        },
      };
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        resolve(this.busy());
      }, this.limits.waitMs);
      this.queue.push(entry);
    });
  }

  /** Runs `fn` in a slot, or answers RATE_LIMITED without running it. */
  async run<T>(fn: () => Promise<Result<T>>): Promise<Result<T>> {
    const slot = await this.acquire();
    if (!slot.ok) return slot;
    try {
      return await fn();
    } finally {
      slot.value();
    }
  }

  private take(): () => void {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.queue.shift()?.grant();
    };
  }
}

/** The agent's one gate (a process is one agent). */
export const regexSearchSlots = new SearchSlots();
