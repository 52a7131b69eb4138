// Matches a user-supplied regular expression against log lines with RE2 (re2js): linear time in the
// line length, so no pattern can hang the agent, and no worker thread is needed per search
// (100 concurrent searches used to start 100 workers: ~0.8 GB). RE2 syntax: no backreferences or
// lookarounds, which are exactly the features that make backtracking engines blow up.
// Linear time is not cheap time: a search costs (program size) x (line length), and counted repeats
// expand (`.{1000}` is 1,000 instructions), so `.{1000}` x 60 held the agent's event loop for ~12 s on
// one 16 KB line. The program size is bounded, and estimated from the text first, so a pattern too
// big is refused before RE2 spends time building it.
import type { RE2JS } from "re2js";
import { err, ok, type Result } from "../../lib/protocol";

let engine: typeof RE2JS | null = null;

/** Loads RE2 on the first regex search: an agent at rest does not hold its code (~150 KB minified). */
export async function loadRegexEngine(): Promise<void> {
  engine ??= (await import("re2js")).RE2JS;
}

function re2(): typeof RE2JS {
  if (!engine) throw new Error("the regex engine is not loaded (loadRegexEngine)");
  return engine;
}

export const MAX_PATTERN_LENGTH = 512;
/** RE2's program size (instructions). Ordinary patterns are far below it: `[a-z]{1,64}@[a-z]{1,64}\.[a-z]{2,10}` is 276. */
export const MAX_PROGRAM_SIZE = 300;

const TOO_BIG = `The regular expression is too big to run on logs (at most ${MAX_PROGRAM_SIZE} RE2 instructions; counted repeats such as {100} count each copy). Use fewer or smaller repeat counts.`;

/**
 * An upper estimate of the program size from the text: every atom counts 1 (a class or escape is one
 * atom), a counted repeat multiplies what it follows by its largest count. Only a pre-check before
 * compiling: the compiled program's own size is checked afterwards.
 */
export function estimateProgramSize(source: string): number {
  const stack: number[] = [0]; // the running size of each open group
  let last = 0; // the size of the atom or group just closed, which a repeat applies to
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      i++;
      if ((next === "p" || next === "P" || next === "x") && source[i + 1] === "{") i = Math.max(i, source.indexOf("}", i));
      else if (next === "p" || next === "P") i++;
      last = 1;
    } else if (c === "[") {
      let j = i + 1;
      if (source[j] === "^") j++;
      if (source[j] === "]") j++;
      while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : source.startsWith("[:", j) ? Math.max(1, source.indexOf(":]", j) + 2 - j) : 1;
      i = j;
      last = 1;
    } else if (c === "(") {
      stack.push(0);
      last = 0;
      continue;
    } else if (c === ")") {
      last = (stack.length > 1 ? stack.pop() : 0) ?? 0;
    } else if (c === "{" && /^\{\d+(,\d*)?\}/.test(source.slice(i))) {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(source.slice(i)) as RegExpExecArray;
      const count = Math.max(Number(m[1]), m[2] ? Number(m[2]) : 0, 1);
      stack[stack.length - 1] += last * (count - 1) + 1;
      last = last * count;
      i += m[0].length - 1;
      continue;
    } else if ("|*+?".includes(c)) {
      stack[stack.length - 1] += 1;
      continue;
    } else {
      last = 1;
    }
    stack[stack.length - 1] += last;
  }
  return stack.reduce((a, b) => a + b, 0);
}

/** Checks length and syntax, and compiles. */
export function validatePattern(source: string, ignoreCase = false): Result<RE2JS> {
  if (source.length === 0) return err("BAD_REQUEST", "The regular expression is empty.");
  if (source.length > MAX_PATTERN_LENGTH) {
    return err("BAD_REQUEST", `The regular expression is too long (at most ${MAX_PATTERN_LENGTH} characters).`);
  }
  if (estimateProgramSize(source) > MAX_PROGRAM_SIZE * 4) return err("BAD_REQUEST", TOO_BIG);
  try {
    const re = re2().compile(source, ignoreCase ? re2().CASE_INSENSITIVE : 0);
    return re.programSize() > MAX_PROGRAM_SIZE ? err("BAD_REQUEST", TOO_BIG) : ok(re);
  } catch (e) {
    // The parser's text names the problem ("missing closing )") and contains only the user's own pattern.
    const detail = e instanceof Error ? e.message.replace(/^error parsing regexp: /, "") : "invalid";
    return err("BAD_REQUEST", `The regular expression is not valid: ${detail} (RE2 syntax: no backreferences or lookarounds).`);
  }
}

export class RegexMatcher {
  private constructor(
    private re: RE2JS | null,
    private readonly budgetMs: number,
  ) {}

  /** `budgetMs` bounds one `test` call (one batch of lines): linear time, but a batch can be long. */
  static create(source: string, opts: { ignoreCase?: boolean; budgetMs?: number } = {}): Result<RegexMatcher> {
    const valid = validatePattern(source, opts.ignoreCase);
    if (!valid.ok) return valid;
    return ok(new RegexMatcher(valid.value, opts.budgetMs ?? 1000));
  }

  /** One boolean per text, or TIMEOUT when a batch takes longer than the budget. */
  async test(texts: string[]): Promise<Result<boolean[]>> {
    const re = this.re;
    if (!re) return err("INTERNAL", "The pattern matcher is closed.");
    const started = performance.now();
    const out: boolean[] = [];
    for (const t of texts) {
      out.push(re.test(t)); // unanchored search; test() takes the DFA path, several times faster than matcher().find()
      if (performance.now() - started > this.budgetMs) {
        return err("TIMEOUT", "The regular expression is too slow on these logs (pattern too slow). Narrow the search (time range, level, text).");
      }
    }
    return ok(out);
  }

  async close(): Promise<void> {
    this.re = null;
  }
}
