// LogStore: every line lands once, in order, with a seq that is its byte position in the whole log.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LogBatch } from "./log-batch";
import { noteLine } from "./line-shape";
import { type LogLine, LogStore } from "./log-store";
import { readSince, readTail } from "./read-positions";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const sinkIn = (limits?: { fileBytes: number; totalBytes: number }) => {
  const dir = mkdtempSync(path.join(tmpdir(), "sink-"));
  dirs.push(dir);
  return new LogStore(dir, limits);
};

describe("LogStore", () => {
  it("joins partial chunks into whole lines and gives each line its byte position, also for non-ASCII text", () => {
    const sink = sinkIn();
    const seen: LogLine[] = [];
    sink.onBatch((b) => seen.push(...b.lines()));
    sink.write(42, "out", "héllo wörld\nsecond ");
    sink.write(42, "out", "half\n€ third\n");
    sink.close();
    expect(seen.map((l) => l.text)).toEqual(["héllo wörld", "second half", "€ third"]);
    // The file holds the bytes as written; seq is where each line starts in it.
    const file = readFileSync(sink.file);
    expect(file.toString("utf8")).toBe("héllo wörld\nsecond half\n€ third\n");
    for (const line of seen) expect(file.subarray(line.seq).toString("utf8").startsWith(`${line.text}\n`)).toBe(true);
  });

  it("keeps positions across rotation, so a reader resumes after any line without gap or duplicate", async () => {
    const sink = sinkIn({ fileBytes: 4096, totalBytes: 64 * 1024 });
    const seen: LogLine[] = [];
    sink.onBatch((b) => seen.push(...b.lines()));
    for (let i = 0; i < 400; i++) sink.write(7, i % 3 ? "out" : "err", `line ${i} ${"x".repeat(i % 50)}\n`);
    const middle = seen[150];
    const { lines } = await readSince(sink.dir, middle.seq ?? -1, 1000);
    expect(lines.map((l) => l.text)).toEqual(seen.slice(151).map((l) => l.text));
    expect(lines.map((l) => l.seq)).toEqual(seen.slice(151).map((l) => l.seq));
    const tail = await readTail(sink.dir, 10);
    expect(tail.map((l) => l.text)).toEqual(seen.slice(-10).map((l) => l.text));
    sink.close();
  });

  it("joins a UTF-8 character split across two chunks, drops CR before LF and cuts over-long lines", () => {
    const sink = sinkIn();
    const seen: LogLine[] = [];
    sink.onBatch((b) => seen.push(...b.lines()));
    const euro = Buffer.from("€ price\r\n");
    sink.write(9, "err", euro.subarray(0, 2));
    sink.write(9, "err", euro.subarray(2));
    sink.write(9, "out", `${"y".repeat(20_000)}\nshort\n`);
    sink.close();
    expect(seen.map((l) => l.text.slice(0, 8))).toEqual(["€ price", "yyyyyyyy", "short"]);
    expect(seen[1].text).toBe(`${"y".repeat(16 * 1024)}…[truncated]`);
    const file = readFileSync(sink.file);
    for (const line of seen) expect(file.subarray(line.seq).toString("utf8").startsWith(`${line.text}\n`)).toBe(true);
  });

  it("hands listeners a batch whose last lines can be read without decoding the rest", () => {
    const sink = sinkIn();
    const batches: LogBatch[] = [];
    sink.onBatch((b) => batches.push(b));
    sink.write(3, "out", "\nb\nc\n");
    sink.write(0, "err", noteLine("two\nlines"));
    sink.close();
    expect(batches[0].lastTexts(2)).toEqual(["b", "c"]);
    expect(batches[0].lastTexts(9)).toEqual(["", "b", "c"]);
    expect(batches[0].lines().map((l) => l.text)).toEqual(["", "b", "c"]);
    expect(batches[1].lines().map((l) => [l.pid, l.text])).toEqual([[0, "[stoker] two lines"]]);
  });
});
