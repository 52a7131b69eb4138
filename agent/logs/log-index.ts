// The index beside each log file: `app.log` holds exactly the bytes the processes wrote, and
// `app.idx` one record per stored batch saying where it starts and whose lines they are
// (`offset ts pid stream`). One record per batch instead of a prefix per line is what lets the
// agent store a flood of output at the speed of copying it.
import type { FileHandle } from "node:fs/promises";
import type { LogStream } from "./log-store";

export type IndexRecord = { offset: number; ts: string; pid: number; stream: LogStream };

/** An index file opened for reading, paired with its log file by the inode its header names. */
export type OpenIndex = { handle: FileHandle; size: number };

const HEADER = "stoker-log-index 1";

export function indexHeader(logIno: number): string {
  return `${HEADER} ${logIno}\n`;
}

/** The log file inode an index belongs to, from its first line; null if it is not an index. */
export function parseIndexHeader(firstLine: string): number | null {
  if (!firstLine.startsWith(`${HEADER} `)) return null;
  const ino = Number(firstLine.slice(HEADER.length + 1));
  return Number.isSafeInteger(ino) && ino > 0 ? ino : null;
}

export function formatIndexRecord(offset: number, ts: string, pid: number, stream: LogStream): string {
  return `${offset} ${ts} ${pid} ${stream}\n`;
}

export function parseIndexRecord(line: string): IndexRecord | null {
  const [offset, ts, pid, stream, extra] = line.split(" ");
  if (extra !== undefined || (stream !== "out" && stream !== "err" && stream !== "web")) return null;
  const o = Number(offset);
  const p = Number(pid);
  if (!Number.isSafeInteger(o) || o < 0 || !Number.isSafeInteger(p) || !ts) return null;
  return { offset: o, ts, pid: p, stream };
}

const PROBE_BYTES = 256; // more than one record (offset, ISO time, pid, stream: under 64 bytes)
const SCAN_BYTES = 64 * 1024;

/** The first whole record at or after byte `pos` of the index, and where it starts; null past the last one. */
async function recordAfter(index: OpenIndex, pos: number): Promise<{ at: number; record: IndexRecord } | null> {
  const buf = Buffer.alloc(PROBE_BYTES);
  for (let at = pos; at < index.size; ) {
    const { bytesRead } = await index.handle.read(buf, 0, buf.length, at);
    const text = buf.toString("latin1", 0, bytesRead);
    const start = at === 0 ? 0 : text.indexOf("\n") + 1; // `pos` may be in the middle of a record
    const end = text.indexOf("\n", start);
    if (start === 0 && at !== 0) return null; // no record starts in this probe: a torn tail
    if (end < 0) return null;
    const record = parseIndexRecord(text.slice(start, end));
    if (record) return { at: at + start, record };
    at += end; // the header line: the next record starts after it
  }
  return null;
}

/**
 * The records that cover log bytes [start, end), oldest first: the last record at or before `start`
 * and every later one before `end`. Found by bisecting the index by byte position, so reading any
 * part of a log costs a few small reads of its index, wherever the part is.
 */
export async function recordsCovering(index: OpenIndex, start: number, end: number): Promise<IndexRecord[]> {
  let lo = 0; // a position at or before the wanted record's line
  let hi = index.size;
  while (hi - lo > SCAN_BYTES) {
    const mid = Math.floor((lo + hi) / 2);
    const found = await recordAfter(index, mid);
    if (found && found.record.offset <= start) lo = found.at;
    else hi = mid;
  }
  const records: IndexRecord[] = [];
  const buf = Buffer.alloc(SCAN_BYTES);
  let carry = "";
  for (let at = lo; at < index.size; at += SCAN_BYTES) {
    const { bytesRead } = await index.handle.read(buf, 0, buf.length, at);
    const lines = (carry + buf.toString("latin1", 0, bytesRead)).split("\n");
    carry = lines.pop() ?? "";
    for (const line of lines) {
      const record = parseIndexRecord(line);
      if (!record) continue;
      if (record.offset >= end) return records;
      if (record.offset <= start) records.length = 0; // a later record still at or before start replaces it
      records.push(record);
    }
  }
  return records;
}
