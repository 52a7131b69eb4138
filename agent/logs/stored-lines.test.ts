// Stored lines: app.log holds the bytes as written, app.idx says whose they are; every reader
// (tail, resume, search, download) must give each line back with the time, pid and stream it had.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readLogOp } from "../supervisor/read-log-op";
import { noteLine } from "./line-shape";
import { type LogLine, LogStore } from "./log-store";
import { readSince, readTail } from "./read-positions";
import { searchLogs } from "./search";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stored-"));
  dirs.push(dir);
  return dir;
};
const strip = (l: LogLine) => ({ ts: l.ts, pid: l.pid, stream: l.stream, text: l.text });

/** Interleaved output of three streams, across several rotations; returns the lines as the sink saw them. */
function writeMixed(dir: string, count: number): LogLine[] {
  const sink = new LogStore(dir, { fileBytes: 2048, totalBytes: 1 << 20 });
  const seen: LogLine[] = [];
  sink.onBatch((b) => seen.push(...b.lines()));
  for (let i = 0; i < count; i++) {
    const [pid, stream] = ([[11, "out"], [12, "err"], [0, "web"]] as const)[i % 3];
    sink.write(pid, stream, `line ${i} from ${pid}\n`);
  }
  sink.write(0, "err", noteLine("stopped"));
  sink.close();
  return seen;
}

describe("stored lines", () => {
  it("gives every line back with its own time, pid and stream, across rotations, by tail, resume and search", async () => {
    const dir = tempDir();
    const seen = writeMixed(dir, 300);
    expect(readdirSync(dir).filter((f) => f.startsWith("app.idx")).length).toBeGreaterThan(3);
    expect((await readTail(dir, 1000)).map(strip)).toEqual(seen.map(strip));
    const resumed = await readSince(dir, seen[99].seq ?? -1, 1000);
    expect(resumed.lines).toEqual(seen.slice(100));
    const errs = await searchLogs(dir, { stream: "err", pid: 12, limit: 1000 });
    expect(errs.ok && errs.value.lines.map(strip)).toEqual(seen.filter((l) => l.pid === 12).map(strip));
  });

  it("downloads the history as 'ts pid stream text' lines, chunk by chunk, with no gap or duplicate", async () => {
    const dir = tempDir();
    const seen = writeMixed(dir, 120);
    let text = "";
    let end = Number.POSITIVE_INFINITY;
    for (let seq = 0; seq < end; ) {
      const r = (await readLogOp(dir, { op: "logs.chunk", appId: "a", fromSeq: seq, length: 100 })) as {
        ok: true;
        value: { data: string; next: number; skipped: number; end: number };
      };
      text += Buffer.from(r.value.data, "base64").toString("utf8");
      expect(r.value.next).toBeGreaterThan(seq);
      expect(r.value.skipped).toBe(0);
      ({ next: seq, end } = r.value);
    }
    expect(text).toBe(seen.map((l) => `${l.ts} ${l.pid} ${l.stream} ${l.text}\n`).join(""));
  });

  it("keeps reading a log written before indexes existed, and indexes what comes after it", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "app.log"), "2024-01-01T10:00:00.000Z 5 out old line\n2024-01-01T10:00:01.000Z 6 err old error\n");
    const sink = new LogStore(dir);
    sink.write(7, "out", "new line\n");
    sink.close();
    const lines = await readTail(dir, 10);
    expect(lines.map((l) => [l.pid, l.stream, l.text])).toEqual([
      [5, "out", "old line"],
      [6, "err", "old error"],
      [7, "out", "new line"],
    ]);
    expect(readFileSync(path.join(dir, "app.log"), "utf8")).toBe("new line\n");
  });

  it("survives a record torn by a crash: later records still name their lines", async () => {
    const dir = tempDir();
    const first = new LogStore(dir);
    first.write(1, "out", "before\n");
    first.close();
    appendFileSync(path.join(dir, "app.idx"), "17 2024-01-01T"); // the agent died mid-record
    const second = new LogStore(dir);
    second.write(2, "err", "after\n");
    second.close();
    expect((await readTail(dir, 10)).map((l) => [l.pid, l.stream, l.text])).toEqual([
      [1, "out", "before"],
      [2, "err", "after"],
    ]);
  });

  it("finishes a rotation a crash cut in half: the index follows its log, and both keep their lines", async () => {
    const dir = tempDir();
    const first = new LogStore(dir);
    first.write(3, "err", "old one\n");
    first.close();
    renameSync(path.join(dir, "app.log"), path.join(dir, "app.log.1")); // the log was shifted, then the agent died
    const second = new LogStore(dir);
    second.write(4, "out", "new one\n");
    second.close();
    expect(readdirSync(dir).sort()).toEqual(["app.idx", "app.idx.1", "app.log", "app.log.1"]);
    expect((await readTail(dir, 10)).map((l) => [l.pid, l.stream, l.text])).toEqual([
      [3, "err", "old one"],
      [4, "out", "new one"],
    ]);
  });
});
