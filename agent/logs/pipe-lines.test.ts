// PipeLines and the log's end after a kill (log-tail.ts): whole lines move from a real pipe into the
// log and an unfinished one waits in the pipe; a log left by a writer killed in the middle of a batch
// (a record without its bytes, a line cut short) is put right by the next store that opens it.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeFd, nonBlockingPipe } from "../native";
import { formatIndexRecord, parseIndexRecord } from "./log-index";
import { LogStore } from "./log-store";
import { PipeLines, UNFINISHED } from "./pipe-lines";
import { readTail } from "./read-positions";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pipe-lines-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
const openPipe = () => {
  const [r, w] = nonBlockingPipe();
  cleanup.push(() => {
    closeFd(r);
    closeFd(w);
  });
  return { r, w, put: (text: string) => writeFileSync(w, text) };
};
const indexRecords = (dir: string) => readFileSync(path.join(dir, "app.idx"), "latin1").split("\n").map(parseIndexRecord).filter((r) => r !== null);


/**
 * A log holding "whole\n" from pid 7, then the start of pid 9's next line: its index record was
 * written and its bytes were moved in part when a kill came.
 */
function logWithCutLine(): string {
  const dir = tempDir();
  const first = new LogStore(dir);
  first.write(7, "out", "whole\n");
  first.close();
  appendFileSync(path.join(dir, "app.idx"), formatIndexRecord(6, new Date().toISOString(), 9, "out"));
  appendFileSync(path.join(dir, "app.log"), "cut in the mid");
  return dir;
}

describe("PipeLines", () => {
  it("moves whole lines into the log, leaves an unfinished one in the pipe until its newline comes, and reads what a process left unfinished at its end", async () => {
    const dir = tempDir();
    const store = new LogStore(dir);
    const lines = new PipeLines(1 << 16);
    const pipe = openPipe();
    pipe.put("one\ntwo\nthr");
    expect(lines.take(store, 7, "out", pipe.r)).toBe(8);
    expect(readFileSync(store.file, "latin1")).toBe("one\ntwo\n");
    expect(lines.take(store, 7, "out", pipe.r)).toBe(UNFINISHED); // "thr" is still in the pipe
    pipe.put("ee\r\nfour\n"); // CR LF: read and stored as LF
    expect(lines.take(store, 7, "out", pipe.r)).toBe(12);
    expect(lines.take(store, 7, "out", pipe.r)).toBe(-1);
    pipe.put("last, no newline");
    closeFd(pipe.w); // the writer is gone: its unfinished line is all there will be
    expect(lines.take(store, 7, "out", pipe.r)).toBe(16);
    expect(lines.take(store, 7, "out", pipe.r)).toBe(0);
    store.flush(7);
    store.close();
    expect(readFileSync(store.file, "latin1")).toBe("one\ntwo\nthree\nfour\nlast, no newline\n");
    expect((await readTail(dir, 10)).map((l) => `${l.pid} ${l.text}`)).toEqual(["7 one", "7 two", "7 three", "7 four", "7 last, no newline"]);
  });
});

describe("a log left by a writer killed in the middle of a batch", () => {
  it("drops index records for bytes that never came (whole or torn), so every record is of bytes the log has", async () => {
    const dir = tempDir();
    const first = new LogStore(dir);
    first.write(7, "out", "a\nb\n");
    first.close();
    // Killed after writing a record, before its bytes; then again in the middle of writing a record.
    appendFileSync(path.join(dir, "app.idx"), `${formatIndexRecord(4, new Date().toISOString(), 99, "out")}4 2026-12-06T00:00:00.000Z 98 ou`);
    const next = new LogStore(dir);
    next.write(8, "err", "c\n");
    next.close();
    expect(readFileSync(next.file, "latin1")).toBe("a\nb\nc\n");
    expect(indexRecords(dir).map((r) => `${r.offset} ${r.pid}`)).toEqual(["0 7", "4 8"]);
    expect((await readTail(dir, 10)).map((l) => `${l.pid} ${l.stream} ${l.text}`)).toEqual(["7 out a", "7 out b", "8 err c"]);
  });

  it("takes a line cut short back out of the log, so the rest of it, still in the pipe, joins it whole", async () => {
    const dir = logWithCutLine();
    const pipe = openPipe();
    pipe.put("dle\nnext\n");
    const next = new LogStore(dir);
    next.write(0, "err", "[stoker] a note in between\n"); // the keeper's note: never glued to the cut line
    expect(new PipeLines(1 << 16).take(next, 9, "out", pipe.r)).toBe(9);
    next.close();
    expect(readFileSync(next.file, "latin1")).toBe("whole\ncut in the middle\nnext\n[stoker] a note in between\n");
    expect((await readTail(dir, 10)).map((l) => `${l.pid} ${l.text}`)).toEqual(["7 whole", "9 cut in the middle", "9 next", "0 [stoker] a note in between"]);
    expect(indexRecords(dir).every((r) => r.offset < readFileSync(next.file).length)).toBe(true);
  });

  // The cut part stays in the log until its rest is in: a writer that took it out into memory and
  // was then killed too would lose it, and the rest would be stored as a torn line.
  it("leaves a cut line in the log for a writer killed before its rest came, and the one after that joins them", async () => {
    const dir = logWithCutLine();
    const killed = new LogStore(dir);
    killed.write(0, "err", "[stoker] agent away\n"); // waits for the cut line: the file is as it was
    expect(readFileSync(killed.file, "latin1")).toBe("whole\ncut in the mid");
    killed.close(); // as a kill leaves it: nothing more written
    const pipe = openPipe();
    pipe.put("dle\nnext\n");
    const next = new LogStore(dir);
    const batches: string[] = [];
    next.onBatch((b) => batches.push(b.lines().map((l) => l.text).join("|")));
    expect(new PipeLines(1 << 16).take(next, 9, "out", pipe.r)).toBe(9);
    next.write(8, "err", "other\n");
    next.close();
    expect(readFileSync(next.file, "latin1")).toBe("whole\ncut in the middle\nnext\nother\n");
    expect(batches[0]).toBe("cut in the middle|next"); // the live tail gets the line whole
    expect((await readTail(dir, 10)).map((l) => `${l.pid} ${l.text}`)).toEqual(["7 whole", "9 cut in the middle", "9 next", "8 other"]);
  });

  it("takes a cut line out to write another process's output first, and joins its rest to it later", async () => {
    const dir = logWithCutLine();
    const pipe = openPipe();
    pipe.put("dle\n");
    const next = new LogStore(dir);
    next.write(8, "err", "other\n");
    expect(new PipeLines(1 << 16).take(next, 9, "out", pipe.r)).toBe(4);
    next.close();
    expect(readFileSync(next.file, "latin1")).toBe("whole\nother\ncut in the middle\n");
    expect((await readTail(dir, 10)).map((l) => `${l.pid} ${l.text}`)).toEqual(["7 whole", "8 other", "9 cut in the middle"]);
  });
});
