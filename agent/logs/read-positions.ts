// Reads an app's log by position (seq = bytes before a line across rotations), for the live tail:
// the newest N lines to start with, and everything after a seq to resume without gap or duplicate.
import { statSync } from "node:fs";
import path from "node:path";
import { closeLogFiles, type OpenLogFile, openLogFiles } from "./log-files";
import type { LogLine } from "./log-store";
import { readBase } from "./log-rotation";
import { readStoredLinesBackward, readStoredLinesForward, renderLine, type StoredLine } from "./stored-lines";

type Positioned = { file: OpenLogFile; base: number };

/** Each file with the seq of its first byte: the current file starts at the stored base, older ones before it. */
function withBases(base: number, files: OpenLogFile[]): Positioned[] {
  const out: Positioned[] = [];
  for (let i = files.length - 1; i >= 0; i--) {
    if (i < files.length - 1) base -= files[i].size;
    out.unshift({ file: files[i], base });
  }
  return out;
}

function currentIno(dir: string): number | null {
  try {
    return statSync(path.join(dir, "app.log")).ino;
  } catch {
    return null;
  }
}

/**
 * Opens the log files with the seq of each one's first byte, as one consistent set: a rotation while
 * they are being opened (the base moves, app.log is another file) makes it open them again.
 */
async function openPositioned(dir: string): Promise<{ files: OpenLogFile[]; positioned: Positioned[] }> {
  for (let attempt = 0; ; attempt++) {
    const base = readBase(dir);
    const ino = currentIno(dir);
    const files = await openLogFiles(dir);
    const current = files[files.length - 1];
    const stable = readBase(dir) === base && currentIno(dir) === ino && (!current || current.ino === ino);
    if (stable || attempt >= 20) return { files, positioned: withBases(base, files) };
    await closeLogFiles(files);
  }
}

function toLine(line: StoredLine, base: number): LogLine {
  return { ts: line.ts, pid: line.pid, stream: line.stream, text: line.text, seq: base + line.offset };
}

export async function readTail(dir: string, limit: number): Promise<LogLine[]> {
  const { files, positioned } = await openPositioned(dir);
  try {
    const lines: LogLine[] = [];
    for (const { file, base } of positioned.reverse()) {
      for await (const line of readStoredLinesBackward(file, file.size)) {
        lines.push(toLine(line, base));
        if (lines.length >= limit) return lines.reverse();
      }
    }
    return lines.reverse();
  } finally {
    await closeLogFiles(files);
  }
}

export async function readSince(dir: string, afterSeq: number, limit: number): Promise<{ lines: LogLine[]; more: boolean }> {
  const { files, positioned } = await openPositioned(dir);
  try {
    const lines: LogLine[] = [];
    for (const { file, base } of positioned) {
      if (base + file.size <= afterSeq) continue;
      const start = Math.max(0, afterSeq - base);
      for (const line of await readStoredLinesForward(file, start)) {
        if (base + line.offset <= afterSeq) continue;
        lines.push(toLine(line, base));
        if (lines.length >= limit) return { lines, more: true };
      }
    }
    return { lines, more: false };
  } finally {
    await closeLogFiles(files);
  }
}

/** A piece of the log by position, rendered for download (see LogChunkSchema). */
export type LogRange = { data: string; next: number; skipped: number; end: number };

/**
 * Whole lines from seq `fromSeq` on, rendered as "ts pid stream text", up to about `length` bytes
 * and never past `untilSeq`. Addressed by position, not by file name, so rotation cannot shift a
 * download onto another file: bytes rotated away before `fromSeq` could be read are `skipped`.
 */
export async function readRange(dir: string, fromSeq: number, length: number, untilSeq?: number): Promise<LogRange> {
  const { files, positioned } = await openPositioned(dir);
  try {
    const last = positioned[positioned.length - 1];
    const end = last ? last.base + last.file.size : readBase(dir);
    const first = positioned[0]?.base ?? end;
    const start = Math.max(fromSeq, first);
    const stop = Math.min(untilSeq ?? end, end);
    let data = "";
    let next = start;
    for (const { file, base } of positioned) {
      if (base + file.size <= next || next >= stop) continue;
      const lines = await readStoredLinesForward(file, next - base, Math.min(file.size, stop - base, next - base + length));
      for (const line of lines) data += renderLine(line);
      const lastLine = lines[lines.length - 1];
      // A file ends with a whole line; a line longer than `length` is read whole on its own.
      next = lastLine ? base + lastLine.offset + lastLine.bytes : next;
      if (!lastLine && next - base < file.size) {
        const whole = await readStoredLinesForward(file, next - base, Math.min(file.size, stop - base));
        if (whole[0]) {
          data += renderLine(whole[0]);
          next = base + whole[0].offset + whole[0].bytes;
        }
      }
      if (next - base < file.size || data.length >= length) break;
    }
    return { data: Buffer.from(data).toString("base64"), next: Math.max(next, start), skipped: start - fromSeq, end };
  } finally {
    await closeLogFiles(files);
  }
}
