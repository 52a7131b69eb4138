// What a writer killed in the middle of a batch leaves at the end of an app's log, put right by the
// next one to open it (the agent, or its log keeper). LogStore writes a batch's index record before
// its bytes, and moves the bytes out of the process's pipe with splice(2), which a SIGKILL can cut
// short: the index may end in a record (or half of one) for bytes that never came, and the log in the
// first part of a line whose rest is still in the pipe. That part stays in the log (taken out and held
// in memory, a kill of the next writer too would lose it) and the rest is moved in right after it, as
// if the kill had not happened (LogStore).
import { ftruncateSync, readSync, writeSync } from "node:fs";
import { parseIndexRecord } from "./log-index";
import type { LogStream } from "./log-store";

/**
 * A line cut short, left where it is at the end of the log: whose it was, its first bytes, and the
 * log and index sizes without it (to take it out, when something else must be written first).
 */
export type CutLine = { pid: number; stream: LogStream; bytes: Buffer; lineEnd: number; indexSize: number };
export type LogEnd = { size: number; indexSize: number; cut: CutLine | null };

// A cut batch is at most one pipe's worth (1 MiB); further back than that, a log without a final
// newline is not one this code wrote, and is left as it is.
const MAX_CUT = 2 << 20;
const INDEX_TAIL = 4096; // many records: a kill leaves at most one too many

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Where the log's last whole line ends (its size if it ends in a newline); null if not within MAX_CUT. */
function lastLineEnd(fd: number, size: number): number | null {
  if (size === 0 || readAt(fd, size - 1, 1)[0] === 10) return size;
  const from = Math.max(0, size - MAX_CUT);
  const nl = readAt(fd, from, size - from).lastIndexOf(10);
  if (nl >= 0) return from + nl + 1;
  return from === 0 ? 0 : null;
}

type Placed = { at: number; offset: number; pid: number; stream: LogStream };

/** The whole records in the last INDEX_TAIL bytes of an index, oldest first, and where the last one ends. */
function lastRecords(fd: number, size: number): { records: Placed[]; whole: number } {
  const from = Math.max(0, size - INDEX_TAIL);
  const text = readAt(fd, from, size - from).toString("latin1");
  const whole = from + text.lastIndexOf("\n") + 1; // a record torn by a kill is not whole
  const records: Placed[] = [];
  let at = 0;
  for (const line of text.slice(0, whole - from).split("\n").slice(0, -1)) {
    const record = at > 0 || from === 0 ? parseIndexRecord(line) : null; // the first line may be a part
    if (record) records.push({ at: from + at, ...record });
    at += line.length + 1;
  }
  return { records, whole };
}

/** Where the index ends once records for bytes at or past `logSize` are left out. */
function indexEndFor(records: Placed[], whole: number, logSize: number): number {
  let keep = whole;
  for (let i = records.length - 1; i >= 0 && records[i].offset >= logSize; i--) keep = records[i].at;
  return keep;
}

/**
 * Puts right the end of a log (`logFd` open for reading and writing, `size` bytes) and its index
 * (`indexFd` open for reading and appending, `indexSize` bytes): index records for bytes the log does
 * not have (whole or torn) are removed, and a cut last line is returned, left in the log. The index
 * may come back empty (its header was torn): the caller writes a new one.
 */
export function repairLogEnd(logFd: number, size: number, indexFd: number, indexSize: number): LogEnd {
  const lineEnd = lastLineEnd(logFd, size) ?? size;
  const { records, whole } = lastRecords(indexFd, indexSize);
  let cut: CutLine | null = null;
  let logSize = size;
  if (lineEnd < size) {
    const owner = records.findLast((r) => r.offset <= lineEnd);
    if (owner) cut = { pid: owner.pid, stream: owner.stream, bytes: readAt(logFd, lineEnd, size - lineEnd), lineEnd, indexSize: indexEndFor(records, whole, lineEnd) };
    else logSize += writeSync(logFd, "\n", size); // whose it is is not known: ended where it is, never glued to the next
  }
  const keep = indexEndFor(records, whole, logSize);
  if (keep < indexSize) ftruncateSync(indexFd, keep);
  return { size: logSize, indexSize: keep, cut };
}
