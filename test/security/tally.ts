// The security suite's ledger: every attack is one attempt, judged refused or not, and a file fails
// if any got through. Each file prints its counts, so a run shows how much was tried, not just "ok".
import { expect } from "vitest";

export type Attempt = { what: string; refused: boolean; detail: string };

export class Tally {
  readonly attempts: Attempt[] = [];

  constructor(readonly item: string) {}

  /**
   * Runs one attack. `run` returns true when the attack was refused (failed closed), or a string
   * saying what got through. A throw counts as got-through too: the attack must be answered cleanly.
   */
  async attack(what: string, run: () => Promise<boolean | string> | boolean | string): Promise<boolean> {
    let refused = false;
    let detail = "";
    try {
      const verdict = await run();
      refused = verdict === true;
      detail = typeof verdict === "string" ? verdict : verdict ? "" : "not refused";
    } catch (e) {
      detail = `threw: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.attempts.push({ what, refused, detail });
    return refused;
  }

  get refused(): number {
    return this.attempts.filter((a) => a.refused).length;
  }

  /** Fails the test on any attempt that got through, naming each one; also demands at least `min` attempts. */
  expectAllRefused(min = 1): void {
    const through = this.attempts.filter((a) => !a.refused);
    expect(this.attempts.length, `${this.item}: too few attempts`).toBeGreaterThanOrEqual(min);
    expect(through.map((a) => `${a.what}: ${a.detail}`), `${this.item}: attacks that got through`).toEqual([]);
  }

  report(): void {
    console.log(`[security] ${this.item}: ${this.attempts.length} attempts, ${this.refused} refused, ${this.attempts.length - this.refused} got through`);
  }
}
