// Reads an app's log by position (seq = bytes before a line across rotations), for the live tail:
// the newest N lines to start with, and everything after a seq to resume without gap or duplicate.
import { closeLogFiles, type OpenLogFile, openLogFiles } from "./log-files";
import { type LogLine, readBase } from "./log-store";
import { readStoredLinesBackward, readStoredLinesForward, type StoredLine } from "./stored-lines";

type Positioned = { file: OpenLogFile; base: number };

/** Each file with the seq of its first byte: the current file starts at the stored base, older ones before it. */
function withBases(dir: string, files: OpenLogFile[]): Positioned[] {
  let base = readBase(dir);
  const out: Positioned[] = [];
  for (let i = files.length - 1; i >= 0; i--) {
    if (i < files.length - 1) base -= files[i].size;
    out.unshift({ file: files[i], base });
  }
  return out;
}

function toLine(line: StoredLine, base: number): LogLine {
  return { ts: line.ts, pid: line.pid, stream: line.stream, text: line.text, seq: base + line.offset };
}

export async function readTail(dir: string, limit: number): Promise<LogLine[]> {
  const files = await openLogFiles(dir);
  try {
    const lines: LogLine[] = [];
    for (const { file, base } of withBases(dir, files).reverse()) {
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
  const files = await openLogFiles(dir);
  try {
    const lines: LogLine[] = [];
    for (const { file, base } of withBases(dir, files)) {
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
