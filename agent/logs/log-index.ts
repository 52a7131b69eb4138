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
