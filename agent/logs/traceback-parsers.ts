// Line-by-line recognisers for the error reports of Python, PHP, Perl, Node and uWSGI.
// Each block parser is fed the lines of one process stream; the detector decides what to do with the result.
import type { LogStream } from "./log-store";

export type TracebackLanguage = "python" | "php" | "perl" | "node" | "uwsgi";
export type TracebackFrame = { file: string; line: number | null; func: string };
/** An earlier exception of a chain (Python "During handling…", PHP "Next …"). */
export type TracebackCause = { type: string; message: string };
export type ParsedTraceback = {
  language: TracebackLanguage;
  type: string;
  message: string;
  frames: TracebackFrame[];
  causes: TracebackCause[];
};
export type TracebackEvent = ParsedTraceback & { text: string; ts: string; pid: number; stream: LogStream };

/** more = line belongs, keep going; done = line belongs, block complete; reject = line is not ours, block complete. */
export type Step = "more" | "done" | "reject";

export interface BlockParser {
  /** True when the first line alone is the whole report (uWSGI one-liners). */
  readonly closed: boolean;
  feed(text: string): Step;
  /** null when the block turned out not to be a report (a lone "Error: x" line without a stack). */
  result(): ParsedTraceback | null;
}

const MAX_FRAMES = 200;
const frame = (file: string, line: string | number | null, func: string): TracebackFrame => ({
  file,
  line: line === null ? null : Number(line),
  func,
});

// ---------------------------------------------------------------- Python (and uWSGI wrapping it)
const PY_HEAD = /^\s*\+?\s*(?:Exception Group )?Traceback \(most recent call last\):$/;
const PY_FRAME = /^[\s|]*File "(.+)", line (\d+)(?:, in (.+))?$/;
const PY_SYNTAX_HEAD = /^ {2}File "(.+)", line (\d+)$/; // SyntaxError in the main script has no "Traceback" line
const PY_EXC = /^([A-Za-z_][\w.]*)(?:: ?(.*))?$/;
const PY_GROUP_EXC = /^ {2}\| ([A-Za-z_][\w.]*)(?:: (.*))?$/;
const PY_CHAIN = /^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$/;
const UWSGI_LOAD = /^unable to load app \d+ \(mountpoint='.*'\) \(.+\)$/;

class PythonParser implements BlockParser {
  readonly closed = false;
  private phase: "frames" | "after" | "chain" = "frames";
  private frames: TracebackFrame[] = [];
  private causes: TracebackCause[] = [];
  private type = "";
  private message = "";
  private viaUwsgi = false;

  constructor(first: string) {
    const m = PY_SYNTAX_HEAD.exec(first);
    if (m) this.frames.push(frame(m[1], m[2], "<module>"));
  }

  feed(text: string): Step {
    if (this.phase === "frames") {
      const f = PY_FRAME.exec(text);
      if (f) {
        if (this.frames.length < MAX_FRAMES) this.frames.push(frame(f[1], f[2], f[3] ?? "<module>"));
        return "more";
      }
      const g = PY_GROUP_EXC.exec(text);
      if (g && !this.type) {
        this.type = g[1];
        this.message = g[2] ?? "";
        return "more";
      }
      if (/^\s/.test(text)) return "more"; // source line, caret line, "[Previous line repeated …]", group body
      const e = PY_EXC.exec(text);
      if (!e) return "reject";
      this.type = e[1];
      this.message = e[2] ?? "";
      this.phase = "after";
      return "more";
    }
    if (text === "") return "more"; // Python separates chained tracebacks with blank lines; trailing ones are trimmed
    if (this.phase === "after") {
      if (PY_CHAIN.test(text)) {
        this.causes.push({ type: this.type, message: this.message });
        this.phase = "chain";
        return "more";
      }
      if (UWSGI_LOAD.test(text)) {
        // uWSGI prints the import traceback, then this line: one report, the app failed to load.
        this.viaUwsgi = true;
        return "done";
      }
      return "reject";
    }
    if (PY_HEAD.test(text)) {
      this.phase = "frames";
      return "more";
    }
    return "reject";
  }

  result(): ParsedTraceback {
    return {
      language: this.viaUwsgi ? "uwsgi" : "python",
      type: this.type || "Traceback",
      message: this.type ? this.message : "(incomplete traceback)",
      frames: this.frames,
      causes: this.causes,
    };
  }
}

// ---------------------------------------------------------------- PHP
const PHP_HEAD = /^(?:\[[^\]]*\] )?(?:PHP )?(Fatal error|Parse error|Catchable fatal error|Recoverable fatal error):\s+(.*)$/;
const PHP_UNCAUGHT = /^(?:Uncaught |Next )([\w\\]+)(?:: (.*?))? in (.+):(\d+)$/;
const PHP_AT_LINE = /^(.*) in (.+) on line (\d+)$/;
const PHP_STACK = /^#\d+ (.+)\((\d+)\): (.+)$/;
const PHP_INTERNAL = /^#\d+ \[internal function\]: (.+)$/;

class PhpParser implements BlockParser {
  readonly closed = false;
  private frames: TracebackFrame[] = [];
  private causes: TracebackCause[] = [];
  private type: string;
  private message: string;

  constructor(kind: string, rest: string) {
    const u = PHP_UNCAUGHT.exec(rest);
    const l = u ? null : PHP_AT_LINE.exec(rest);
    if (u) {
      this.type = u[1];
      this.message = u[2] ?? "";
      this.frames.push(frame(u[3], u[4], ""));
    } else {
      this.type = kind;
      this.message = l ? l[1] : rest;
      if (l) this.frames.push(frame(l[2], l[3], ""));
    }
  }

  feed(text: string): Step {
    if (text === "Stack trace:" || text === "" || /^#\d+ \{main\}$/.test(text)) return "more";
    const s = PHP_STACK.exec(text);
    const i = s ? null : PHP_INTERNAL.exec(text);
    if (s || i) {
      if (this.frames.length < MAX_FRAMES) this.frames.push(s ? frame(s[1], s[2], s[3]) : frame("[internal]", null, i?.[1] ?? ""));
      return "more";
    }
    const next = text.startsWith("Next ") ? PHP_UNCAUGHT.exec(text) : null;
    if (next) {
      // PHP prints the innermost exception first; "Next" is the one that wraps it, "thrown in" closes the last.
      this.causes.push({ type: this.type, message: this.message });
      this.type = next[1];
      this.message = next[2] ?? "";
      return "more";
    }
    if (/^ {2}thrown in .+ on line \d+$/.test(text)) return "done";
    return "reject";
  }

  result(): ParsedTraceback {
    return { language: "php", type: this.type, message: this.message, frames: this.frames, causes: this.causes };
  }
}

// ---------------------------------------------------------------- Perl
const PERL_DIE = /^(.+?) at (\S+) line (\d+)(?:, <[^>]*> (?:line|chunk) \d+)?(?:\.|, near .*)$/;
const PERL_CARP = /^\t(.+) called at (\S+) line (\d+)$/;
const PERL_COMPILE = /^(syntax error|Global symbol|Bareword|Missing right|Unmatched|Can't find string terminator|BEGIN failed)/;

class PerlParser implements BlockParser {
  readonly closed = false;
  private frames: TracebackFrame[];
  private type: string;

  constructor(private message: string, file: string, line: string) {
    this.frames = [frame(file, line, "")];
    this.type = PERL_COMPILE.test(message) ? "compile error" : "die";
  }

  feed(text: string): Step {
    const c = PERL_CARP.exec(text);
    if (c) {
      if (this.frames.length < MAX_FRAMES) this.frames.push(frame(c[2], c[3], c[1]));
      return "more";
    }
    if (/^Execution of .+ aborted due to compilation errors\.$/.test(text)) return "done";
    // Compilation errors come several at a time before the "aborted" line; runtime dies come one by one.
    const d = this.type === "compile error" ? PERL_DIE.exec(text) : null;
    if (d && PERL_COMPILE.test(d[1])) return "more";
    return "reject";
  }

  result(): ParsedTraceback {
    return { language: "perl", type: this.type, message: this.message, frames: this.frames, causes: [] };
  }
}

// ---------------------------------------------------------------- Node
const NODE_HEAD = /^(?:Uncaught )?([A-Z][\w$]*(?:Error|Exception)|Error)(?: \[([A-Z0-9_]+)\])?(?:: (.*))?$/;
const NODE_AT = /^\s+at (?:(.+?) \((.+?)(?::(\d+):\d+)?\)|(.+?)(?::(\d+):\d+)?)( \{)?$/;

class NodeParser implements BlockParser {
  readonly closed = false;
  private phase: "head" | "stack" | "props" | "after" = "head";
  private frames: TracebackFrame[] = [];

  constructor(
    private type: string,
    private message: string,
  ) {}

  feed(text: string): Step {
    if (this.phase === "props") {
      if (text === "}") this.phase = "after";
      return "more";
    }
    const at = this.phase === "head" || this.phase === "stack" ? NODE_AT.exec(text) : null;
    if (at) {
      if (this.frames.length < MAX_FRAMES) {
        this.frames.push(at[2] !== undefined ? frame(at[2], at[3] ?? null, at[1]) : frame(at[4], at[5] ?? null, ""));
      }
      this.phase = at[6] ? "props" : "stack"; // "at x (f:1:2) {" opens the error's own properties (code, errno…)
      return "more";
    }
    if (this.phase === "head") return "reject";
    if (/^\s+\.\.\. \d+ (?:more )?lines? matching cause stack trace$/.test(text)) return "more";
    if (text === "") {
      this.phase = "after";
      return "more";
    }
    if (/^Node\.js v\d+/.test(text)) return "done";
    return "reject";
  }

  result(): ParsedTraceback | null {
    if (this.frames.length === 0) return null;
    return { language: "node", type: this.type, message: this.message, frames: this.frames, causes: [] };
  }
}

// ---------------------------------------------------------------- uWSGI's own reports
const UWSGI_NO_APP = /^--- no python application found, check your startup logs for errors ---$/;
const UWSGI_SIGNAL = /^!!! uWSGI process \d+ got (.+?) !!!$/;
const UWSGI_BT = /^(\S+?)\((\S*?)\+0x[0-9a-f]+\) \[0x[0-9a-f]+\]$/;

class UwsgiParser implements BlockParser {
  private frames: TracebackFrame[] = [];

  constructor(
    readonly closed: boolean,
    private type: string,
    private message: string,
  ) {}

  feed(text: string): Step {
    if (text.startsWith("*** end of backtrace ***")) return "done";
    const b = UWSGI_BT.exec(text);
    if (b && this.frames.length < MAX_FRAMES) this.frames.push(frame(b[1], null, b[2]));
    if (b || /^\*\*\* backtrace of \d+ \*\*\*$/.test(text)) return "more";
    return "reject";
  }

  result(): ParsedTraceback {
    return { language: "uwsgi", type: this.type, message: this.message, frames: this.frames, causes: [] };
  }
}

/**
 * Every report's first line contains one of these: a cheap test before the per-language regexes,
 * run over whole batches of lines (no pattern spans a line break). Each alternative is what one
 * opener above must contain: PHP's "Fatal error:", Node's "TypeError"/"…Exception", Perl's
 * "at FILE line N". Patterns starting with a common character (a space) make the scan slower.
 */
export const MAY_START_REPORT = /Error|error:|Exception|Traceback|File "|line \d|uWSGI process|unable to load app|no python application/;

/** The same test on raw bytes, for whole batches: every match above contains one of these. */
export const MAY_START_NEEDLES: readonly Buffer[] = ["rror", "Exception", "Traceback", 'File "', "line ", "uWSGI process", "unable to load app", "no python application"].map((s) => Buffer.from(s));

/** Returns a parser when `text` opens a report, else null. Order matters: the most specific shapes first. */
export function startBlock(text: string): BlockParser | null {
  if (!MAY_START_REPORT.test(text)) return null;
  if (PY_HEAD.test(text) || PY_SYNTAX_HEAD.test(text)) return new PythonParser(text);
  const php = PHP_HEAD.exec(text);
  if (php) return new PhpParser(php[1], php[2]);
  if (UWSGI_NO_APP.test(text)) return new UwsgiParser(true, "NoPythonApplication", "no python application found");
  if (UWSGI_LOAD.test(text)) return new UwsgiParser(true, "AppLoadError", text);
  const sig = UWSGI_SIGNAL.exec(text);
  if (sig) return new UwsgiParser(false, sig[1].replace(/\s+/g, ""), text);
  const node = NODE_HEAD.exec(text);
  if (node) return new NodeParser(node[2] ? `${node[1]} [${node[2]}]` : node[1], node[3] ?? "");
  const perl = PERL_DIE.exec(text);
  if (perl) return new PerlParser(perl[1], perl[2], perl[3]);
  return null;
}
