import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LogBatch } from "./log-batch";
import { type LogLine, LogStore } from "./log-store";
import { MAY_START_NEEDLES, MAY_START_REPORT, startBlock } from "./traceback-parsers";
import { fingerprint, normalizeMessage, TracebackDetector, type TracebackEvent, TracebackGroups, watchTracebacks } from "./tracebacks";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");

function toLines(text: string, pid = 100, stream: LogLine["stream"] = "err", ts = "2024-01-01T12:00:00.000Z"): LogLine[] {
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map((t) => ({ ts, pid, stream, text: t }));
}

/** Runs text through a fresh detector and returns every event, the idle flush included. */
function detect(text: string, pid = 100): TracebackEvent[] {
  const d = new TracebackDetector();
  return [...d.push(toLines(text, pid)), ...d.flush()];
}

const replace = (text: string, from: string, to: string) => text.split(from).join(to);

describe("TracebackDetector on real interpreter output", () => {
  it("turns a chained Python traceback into one event that records every exception type", () => {
    const events = detect(fixture("py-chained.txt"));
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(e.language).toBe("python");
    expect(e.type).toBe("json.decoder.JSONDecodeError");
    expect(e.causes.map((c) => c.type)).toEqual(["KeyError", "LookupError"]);
    expect(e.frames[0]).toEqual({ file: "/tmp/fx/chained.py", line: 6, func: "load" });
    expect(e.frames.some((f) => f.func === "raw_decode")).toBe(true);
    expect(e.text).toBe(fixture("py-chained.txt").trimEnd());
  });

  it("parses Python SyntaxError and ModuleNotFoundError reports", () => {
    const [syntax] = detect(fixture("py-syntax.txt"));
    expect(syntax).toMatchObject({ language: "python", type: "SyntaxError", message: "invalid syntax" });
    expect(syntax.frames).toEqual([{ file: "/tmp/fx/syntax.py", line: 1, func: "<module>" }]);
    const [imp] = detect(fixture("py-import.txt"));
    expect(imp).toMatchObject({ type: "ModuleNotFoundError", message: "No module named 'flup_missing_module_xyz'" });
  });

  it("parses a PHP uncaught exception with its stack trace", () => {
    const events = detect(fixture("php-uncaught.txt"));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ language: "php", type: "RuntimeException" });
    expect(events[0].message).toMatch(/^Order 771 not found/);
    expect(events[0].frames.map((f) => f.func)).toEqual(["", "OrderRepo->find()", "handle()"]);
  });

  it("records PHP's previous exception as a cause and the Next one as the type", () => {
    const [e] = detect(fixture("php-chained.txt"));
    expect(e.type).toBe("RuntimeException");
    expect(e.causes).toEqual([{ type: "PDOException", message: "SQLSTATE[HY000] [2002] Connection refused for shard 55" }]);
    expect(e.text.split("\n").pop()).toBe("  thrown in /tmp/fx/chain.php on line 4");
  });

  it("reports PHP fatal and parse errors but not warnings", () => {
    expect(detect(fixture("php-fatal.txt"))[0]).toMatchObject({ type: "Error", message: "Call to undefined function undefined_function_xyz()" });
    expect(detect(fixture("php-parse.txt"))[0]).toMatchObject({ type: "Parse error", frames: [{ file: "/tmp/fx/parse.php", line: 2, func: "" }] });
    expect(detect(fixture("php-warn.txt"))).toEqual([]);
  });

  it("parses Perl die, confess frames and compilation errors", () => {
    expect(detect(fixture("perl-die.txt"))[0]).toMatchObject({ language: "perl", type: "die", message: "Cannot load user 42 from /var/lib/app/users.db" });
    const confess = detect(fixture("perl-confess.txt"));
    expect(confess).toHaveLength(1);
    expect(confess[0].frames.map((f) => f.func)).toEqual(["", "main::inner(9001)", "main::outer(9001)"]);
    const syntax = detect(fixture("perl-syntax.txt"));
    expect(syntax).toHaveLength(1);
    expect(syntax[0].type).toBe("compile error");
    expect(syntax[0].text).toContain("Execution of syn.pl aborted");
  });

  it("parses Node errors with their at-lines and ignores the source excerpt before them", () => {
    const [e] = detect(fixture("node-syntaxerror.txt"));
    expect(e).toMatchObject({ language: "node", type: "SyntaxError" });
    expect(e.frames[1]).toEqual({ file: "/tmp/fx/err.js", line: 1, func: "parseOrder" });
    expect(e.text.split("\n").pop()).toBe("Node.js v20.20.2");
    const [custom] = detect(fixture("node-unhandled.txt"));
    expect(custom).toMatchObject({ type: "ValidationError", message: "field 'email' invalid for user 77" });
  });

  it("reads uWSGI's failed app load and its no-application lines", () => {
    // The capture includes uWSGI's reload on SIGTERM, which fails to load the app a second time.
    const events = detect(fixture("uwsgi-noapp.txt"));
    expect(events.map((e) => [e.language, e.type])).toEqual([
      ["uwsgi", "ModuleNotFoundError"],
      ["uwsgi", "NoPythonApplication"],
      ["uwsgi", "ModuleNotFoundError"],
    ]);
    expect(events[0].text.split("\n").pop()).toMatch(/^unable to load app 0/);
    const runtime = detect(fixture("uwsgi-runtime.txt"));
    expect(runtime.map((e) => [e.language, e.type])).toEqual([["python", "KeyError"]]);
  });
});

describe("TracebackDetector on documented shapes that are hard to provoke", () => {
  it("reads a uWSGI segfault backtrace as one event with its C frames", () => {
    const text = [
      "!!! uWSGI process 3131 got Segmentation Fault !!!",
      "*** backtrace of 3131 ***",
      "uwsgi(uwsgi_backtrace+0x2e) [0x55d5b1c3a06e]",
      "uwsgi(uwsgi_segfault+0x27) [0x55d5b1c3a457]",
      "/lib/x86_64-linux-gnu/libc.so.6(+0x3c050) [0x7f0e1b05b050]",
      "*** end of backtrace ***",
      "DAMN ! worker 1 (pid: 3131) died :( trying respawn ...",
    ].join("\n");
    const events = detect(text);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ language: "uwsgi", type: "SegmentationFault" });
    expect(events[0].frames.map((f) => f.func)).toEqual(["uwsgi_backtrace", "uwsgi_segfault", ""]);
    expect(events[0].text.split("\n").pop()).toBe("*** end of backtrace ***");
  });

  it("reads a PHP error that went to a log file with a bracketed date prefix", () => {
    const [e] = detect("[01-Jan-2024 12:00:00 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /srv/app/index.php on line 12\n");
    expect(e).toMatchObject({ language: "php", type: "Fatal error", frames: [{ file: "/srv/app/index.php", line: 12, func: "" }] });
  });
});

describe("TracebackDetector streaming", () => {
  it("emits a report when the next unrelated line arrives, without waiting for a flush", () => {
    const d = new TracebackDetector();
    const got = d.push(toLines(`${fixture("py-zerodiv-1.txt")}GET /next 200\n`));
    expect(got.map((e) => e.type)).toEqual(["ZeroDivisionError"]);
    expect(d.openBlocks).toBe(0);
  });

  it("holds the last report until the idle flush, then emits it once", () => {
    const d = new TracebackDetector({ idleMs: 500 });
    expect(d.push(toLines(fixture("perl-confess.txt")), 1000)).toEqual([]);
    expect(d.flush(1200)).toEqual([]);
    expect(d.flush(1600).map((e) => e.type)).toEqual(["die"]);
    expect(d.flush()).toEqual([]);
  });

  it("keeps interleaved output of two processes apart", () => {
    const a = toLines(fixture("py-zerodiv-1.txt"), 1);
    const b = toLines(fixture("php-uncaught.txt"), 2);
    const mixed: LogLine[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) mixed.push(...a.slice(i, i + 1), ...b.slice(i, i + 1));
    const d = new TracebackDetector();
    const events = [...d.push(mixed), ...d.flush()];
    expect(events.map((e) => [e.pid, e.type]).sort()).toEqual([
      [1, "ZeroDivisionError"],
      [2, "RuntimeException"],
    ]);
  });

  it("does not report a lone Error line without a stack", () => {
    expect(detect("Error: could not reach cache, retrying\nretry ok\n")).toEqual([]);
  });

  it("emits the last report from a live sink after the idle timer, without a following line", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stoker-tb-"));
    const sink = new LogStore(dir);
    const events: TracebackEvent[] = [];
    const stop = watchTracebacks(sink, (e) => events.push(e), { idleMs: 60 });
    try {
      sink.write(4242, "err", fixture("py-import.txt"));
      expect(events).toEqual([]);
      const deadline = Date.now() + 2000;
      while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(events.map((e) => [e.pid, e.type])).toEqual([[4242, "ModuleNotFoundError"]]);
    } finally {
      stop();
      sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(events).toHaveLength(1);
  });

  it("lets no batch that holds the first line of a report past the byte pre-filter", () => {
    const files = readdirSync(path.join(import.meta.dirname, "fixtures")).filter((f) => f.endsWith(".txt") || f.endsWith(".log"));
    const openers = files.flatMap((f) => toLines(fixture(f)).map((l) => l.text)).filter((t) => startBlock(t));
    expect(openers.length).toBeGreaterThan(files.length / 2);
    for (const text of openers) {
      const batch = new LogBatch("", 1, "err", Buffer.from(`${text}\n`), 0);
      expect({ text, passes: batch.mayContain(MAY_START_NEEDLES) }).toEqual({ text, passes: true });
    }
    // Every alternative of the string pre-filter holds a needle (the byte test is never the stricter one).
    for (const word of MAY_START_REPORT.source.split("|")) {
      const sample = word.replace("\\d", "7");
      expect({ word, hit: new LogBatch("", 1, "err", Buffer.from(`x ${sample} y\n`), 0).mayContain(MAY_START_NEEDLES) }).toEqual({ word, hit: true });
    }
    expect(new LogBatch("", 1, "out", Buffer.from("GET /health 200 3ms\nspew 000000042 xxxx\n"), 0).mayContain(MAY_START_NEEDLES)).toBe(false);
  });

  it("survives a report split across push calls", () => {
    const lines = toLines(fixture("node-unhandled.txt"));
    const d = new TracebackDetector();
    const events = lines.flatMap((l) => d.push([l]));
    expect([...events, ...d.flush()].map((e) => e.type)).toEqual(["ValidationError"]);
  });
});

describe("fingerprint and groups", () => {
  it("normalizes ids, numbers, addresses, uuids, timestamps and quoted values", () => {
    expect(normalizeMessage("user 4821 at 0x7f3a2b1c req 5f3c9a1e-2b7d-4c1a-9e8f-0a1b2c3d4e5f on 2024-01-01T10:00:00Z key 'abc'")).toBe(
      "user <n> at <addr> req <uuid> on <ts> key <q>",
    );
    expect(normalizeMessage("sha deadbeef1234 and word coffee")).toBe("sha <hex> and word coffee");
  });

  it("groups the same bug with different numbers as one and a different bug as another", () => {
    const groups = new TracebackGroups();
    const first = detect(fixture("py-zerodiv-1.txt"))[0];
    const second = detect(fixture("py-zerodiv-2.txt"))[0];
    const chainedA = detect(fixture("py-chained.txt"))[0];
    const chainedB = detect(replace(replace(fixture("py-chained.txt"), "4821", "17"), "0x7f3a2b1c", "0x55d0aa00"))[0];
    expect(chainedB.text).not.toBe(chainedA.text);
    expect(fingerprint(first)).toBe(fingerprint(second));
    expect(fingerprint(chainedA)).toBe(fingerprint(chainedB));
    expect(fingerprint(first)).not.toBe(fingerprint(chainedA));
    const phpA = detect(fixture("php-uncaught.txt"))[0];
    const phpB = detect(replace(replace(fixture("php-uncaught.txt"), "771", "9"), "5f3c9a1e-2b7d-4c1a-9e8f-0a1b2c3d4e5f", "00000000-1111-2222-3333-444444444444"))[0];
    expect(fingerprint(phpA)).toBe(fingerprint(phpB));
    expect(fingerprint(phpA)).not.toBe(fingerprint(detect(fixture("php-fatal.txt"))[0]));

    const now = Date.parse("2024-01-01T12:05:00Z");
    for (const e of [first, { ...second, pid: 7, ts: "2024-01-01T12:04:10.000Z" }, chainedA, chainedB]) groups.add(e, now);
    const list = groups.list(10, now);
    expect(list.map((g) => [g.type, g.count])).toEqual([
      ["ZeroDivisionError", 2],
      ["json.decoder.JSONDecodeError", 2],
    ]);
    expect(list[0].pids).toEqual([100, 7]);
    expect(list[0].buckets).toHaveLength(60);
    expect(list[0].buckets.slice(-2)).toEqual([1, 0]);
    expect(list[0].buckets[54]).toBe(1);
  });

  it("does not merge different types with the same message or the same type from another place", () => {
    const base = { language: "python" as const, message: "boom", causes: [], text: "", ts: "", pid: 1, stream: "err" as const };
    const a = { ...base, type: "ValueError", frames: [{ file: "/app/a.py", line: 1, func: "f" }] };
    expect(fingerprint(a)).not.toBe(fingerprint({ ...a, type: "TypeError" }));
    expect(fingerprint(a)).not.toBe(fingerprint({ ...a, frames: [{ file: "/app/b.py", line: 1, func: "f" }] }));
    expect(fingerprint(a)).toBe(fingerprint({ ...a, frames: [{ file: "/app/a.py", line: 99, func: "f" }] }));
  });

  it("evicts the least recently seen group beyond its cap and lists newest first", () => {
    const groups = new TracebackGroups({ maxGroups: 3 });
    const base = detect(fixture("py-zerodiv-1.txt"))[0];
    const kinds = ["AError", "BError", "CError", "DError"];
    for (const [i, type] of kinds.entries()) groups.add({ ...base, type, ts: `2024-01-01T12:00:0${i}.000Z` });
    groups.add({ ...base, type: "BError", ts: "2024-01-01T12:00:09.000Z" });
    groups.add({ ...base, type: "EError", ts: "2024-01-01T12:00:10.000Z" });
    expect(groups.size).toBe(3);
    expect(groups.list().map((g) => g.type)).toEqual(["EError", "BError", "DError"]);
  });
});

describe("TracebackGroups save/load", () => {
  it("restores groups with their counts, samples and sparkline after a save", () => {
    const groups = new TracebackGroups();
    const now = Date.parse("2026-12-05T12:00:30Z");
    const ev = { language: "python" as const, type: "ZeroDivisionError", message: "division by zero", frames: [{ file: "a.py", line: 3, func: "app" }], causes: [], text: "Traceback…", ts: "2026-12-05T12:00:10Z", pid: 7, stream: "web" as const };
    groups.add(ev, now);
    groups.add({ ...ev, ts: "2026-12-05T12:00:20Z" }, now);
    const copy = new TracebackGroups();
    copy.load(JSON.parse(JSON.stringify(groups.save())));
    expect(copy.list(10, now)).toEqual(groups.list(10, now));
    expect(copy.list(10, now)[0]?.count).toBe(2);
  });
});
