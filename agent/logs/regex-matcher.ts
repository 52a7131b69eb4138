// Runs a user-supplied regular expression over log lines in a worker thread with a time budget.
// JavaScript regexes backtrack: `(a+)+$` on a long line never returns, and only killing the
// thread stops it, so the agent's own event loop never runs user patterns.
import { Worker } from "node:worker_threads";
import { err, ok, type Result } from "../../lib/protocol";

export const MAX_PATTERN_LENGTH = 512;

// Plain CommonJS evaluated in the worker: no TypeScript loader is needed there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const re = new RegExp(workerData.source, workerData.flags);
parentPort.on("message", (texts) => {
  parentPort.postMessage(texts.map((t) => re.test(t)));
});
`;

/** Checks length and syntax on the calling thread: compiling is safe, only matching can hang. */
export function validatePattern(source: string, flags = ""): Result<RegExp> {
  if (source.length === 0) return err("BAD_REQUEST", "The regular expression is empty.");
  if (source.length > MAX_PATTERN_LENGTH) {
    return err("BAD_REQUEST", `The regular expression is too long (at most ${MAX_PATTERN_LENGTH} characters).`);
  }
  try {
    return ok(new RegExp(source, flags));
  } catch (e) {
    // SyntaxError text names the problem ("Unterminated group") and contains only the user's own pattern.
    const detail = e instanceof SyntaxError ? e.message.replace(/^Invalid regular expression: /, "") : "invalid";
    return err("BAD_REQUEST", `The regular expression is not valid: ${detail}.`);
  }
}

export class RegexMatcher {
  private worker: Worker | null;

  private constructor(
    source: string,
    flags: string,
    private readonly budgetMs: number,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { source, flags } });
    this.worker.unref();
  }

  /** `budgetMs` bounds one `test` call (one batch of lines). */
  static create(source: string, opts: { ignoreCase?: boolean; budgetMs?: number } = {}): Result<RegexMatcher> {
    const flags = opts.ignoreCase ? "i" : ""; // never "g"/"y": test() would become stateful across lines
    const valid = validatePattern(source, flags);
    if (!valid.ok) return valid;
    return ok(new RegexMatcher(source, flags, opts.budgetMs ?? 1000));
  }

  /** One boolean per text, or a TIMEOUT error after the budget (the worker is then dead: close and stop). */
  test(texts: string[]): Promise<Result<boolean[]>> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(err("INTERNAL", "The pattern matcher is closed."));
    if (texts.length === 0) return Promise.resolve(ok([]));
    return new Promise((resolve) => {
      const done = (result: Result<boolean[]>) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        resolve(result);
      };
      const onMessage = (value: unknown) => {
        if (Array.isArray(value) && value.length === texts.length) done(ok(value.map((v) => v === true)));
        else done(err("INTERNAL", "The pattern matcher answered out of turn."));
      };
      const onError = () => done(err("INTERNAL", "The pattern matcher failed."));
      const timer = setTimeout(() => {
        void this.close();
        done(err("TIMEOUT", "The regular expression is too slow on these logs (pattern too slow). Simplify it, e.g. avoid nested repeats like (a+)+."));
      }, this.budgetMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.postMessage(texts);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
