// LogSink and the log ingest: real processes write into real pipes, the ingest stores their output
// on the main thread, and listeners get every batch, however slow they are.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeFd, pipe } from "../native";
import { LogSink } from "./log-sink";
import type { LogLine } from "./log-store";
import { readTail } from "./read-positions";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ingest-"));
  dirs.push(dir);
  return dir;
};

/** Starts `node -e script` with its stdout (and stderr) on fresh pipes handed to `sink`. */
function run(sink: LogSink, script: string): { pid: number; ended: Promise<void> } {
  const [outR, outW] = pipe();
  const [errR, errW] = pipe();
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", outW, errW] });
  closeFd(outW);
  closeFd(errW);
  const pid = child.pid ?? 0;
  return { pid, ended: Promise.all([sink.attach(outR, pid, "out"), sink.attach(errR, pid, "err")]).then(() => sink.flush(pid)) };
}

/** Every line in the app's files, oldest first. */
function storedTexts(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => /^app\.log(\.\d+)?$/.test(f));
  files.sort((a, b) => Number(b.split(".")[2] ?? 0) - Number(a.split(".")[2] ?? 0));
  return files.flatMap((f) => readFileSync(path.join(dir, f), "latin1").split("\n").slice(0, -1));
}

describe("LogSink and the log ingest", () => {
  it("stores every line of two processes in order, each with its pid and stream, and resolves when the pipes end", async () => {
    const dir = tempDir();
    const sink = new LogSink(dir);
    const writer = (tag: string) =>
      `for (let i = 0; i < 20000; i++) process.stdout.write("${tag} " + i + "\\n"); process.stderr.write("${tag} done, no newline")`;
    const a = run(sink, writer("a"));
    const b = run(sink, writer("b"));
    await Promise.all([a.ended, b.ended]);
    await sink.settled();
    const texts = storedTexts(dir);
    for (const tag of ["a", "b"]) {
      expect(texts.filter((t) => t.startsWith(`${tag} `))).toEqual([
        ...Array.from({ length: 20000 }, (_, i) => `${tag} ${i}`),
        `${tag} done, no newline`,
      ]);
    }
    // Every stored line (a may finish long before b, so its last line need not be near the end).
    const all = await readTail(dir, 50_000);
    const last = all.find((l) => l.text === "a done, no newline");
    expect(last).toMatchObject({ pid: a.pid, stream: "err" });
    sink.close();
  });

  it("loses nothing when output is many times a pipe and the main thread is slow to take it", async () => {
    const dir = tempDir();
    const sink = new LogSink(dir, { fileBytes: 64 << 20, totalBytes: 128 << 20 });
    const seen: LogLine[] = [];
    let batches = 0;
    sink.onBatch((batch) => {
      // A busy main thread: the pipe holds what is not read yet; nothing is overwritten or lost.
      const until = performance.now() + 2;
      while (performance.now() < until);
      batches++;
      if (batches % 50 === 0) seen.push(...batch.lines());
      else seen.push(batch.lines()[0], batch.lines()[batch.lines().length - 1]);
    });
    // 24 MB, 24 times the pipe, in 4 KiB writes with numbered lines.
    const { ended } = run(
      sink,
      `const pad = "y".repeat(60); let s = ""; for (let i = 0; i < 300000; i++) { s += String(i).padStart(9, "0") + pad + "\\n"; if (s.length > 4000) { process.stdout.write(s); s = ""; } } process.stdout.write(s);`,
    );
    await ended;
    await sink.settled();
    const texts = storedTexts(dir);
    expect(texts).toHaveLength(300000);
    texts.forEach((t, i) => {
      if (t !== `${String(i).padStart(9, "0")}${"y".repeat(60)}`) throw new Error(`line ${i} is ${JSON.stringify(t.slice(0, 80))}`);
    });
    // What listeners saw came from the read buffer while it was theirs: the lines they kept are intact.
    for (const line of seen) expect(line.text).toMatch(/^\d{9}y{60}$/);
    expect(seen.length).toBeGreaterThan(batches);
    sink.close();
  });

  it("reads a process that writes one line per write(2) many lines at a time, and stores every line", async () => {
    const dir = tempDir();
    const sink = new LogSink(dir);
    let batches = 0;
    sink.onBatch(() => batches++);
    // As a logger that flushes every record does: 100,000 write(2) calls of one line each.
    const { ended } = run(sink, `const fs = require("node:fs"); for (let i = 0; i < 100000; i++) fs.writeSync(1, "line " + i + "\\n");`);
    await ended;
    await sink.settled();
    expect(storedTexts(dir)).toEqual(Array.from({ length: 100000 }, (_, i) => `line ${i}`));
    // Never a batch per line (how read-pacing.test.ts's policy plays out depends on the machine's speed).
    expect(batches).toBeLessThan(100000 / 20);
    sink.close();
  });

  it("stores the agent's own notes in order with process output, and settled() waits until they are in the file", async () => {
    const dir = tempDir();
    const sink = new LogSink(dir);
    sink.note("first");
    sink.write(0, "web", "from the web server\n");
    sink.note("line\nbreaks are flattened");
    await sink.settled();
    expect(storedTexts(dir)).toEqual(["[stoker] first", "from the web server", "[stoker] line breaks are flattened"]);
    sink.close();
  });

  it("lets a process that logs through it exit, whether it ends on its own or calls process.exit", () => {
    const sinkModule = path.join(import.meta.dirname, "log-sink.ts");
    for (const ending of ["", "process.exit(0);"]) {
      const dir = tempDir();
      const script = path.join(dir, "logs-and-exits.mts");
      writeFileSync(script, `import { LogSink } from ${JSON.stringify(sinkModule)}; const s = new LogSink(${JSON.stringify(dir)}); s.note("hello"); await s.settled(); ${ending}`);
      const result = spawnSync(process.execPath, ["--import", "tsx", script], { timeout: 20_000, encoding: "utf8" });
      expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: 0, signal: null, stderr: "" });
      expect(storedTexts(dir)).toEqual(["[stoker] hello"]);
    }
  });
});
