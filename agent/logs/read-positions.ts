// Reads an app's log by position (seq = bytes before a line across rotations), for the live tail:
// the newest N lines to start with, and everything after a seq to resume without gap or duplicate.
import { closeLogFiles, type OpenLogFile, openLogFiles, readLinesBackward } from "./log-files";
import { type LogLine, parseLogLine, readBase } from "./log-sink";

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

function toLine(text: string, seq: number): LogLine | null {
  const line = parseLogLine(text);
  return line ? { ...line, seq } : null;
}

export async function readTail(dir: string, limit: number): Promise<LogLine[]> {
  const files = await openLogFiles(dir);
  try {
    const lines: LogLine[] = [];
    for (const { file, base } of withBases(dir, files).reverse()) {
      for await (const raw of readLinesBackward(file, file.size)) {
        const line = toLine(raw.text, base + raw.offset);
        if (line) lines.push(line);
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
      const buf = Buffer.alloc(file.size - start);
      await file.handle.read(buf, 0, buf.length, start);
      let pos = 0;
      while (pos < buf.length) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) break; // a line still being written: the live stream delivers it
        const seq = base + start + pos;
        if (seq > afterSeq) {
          const line = toLine(buf.subarray(pos, nl).toString(), seq);
          if (line) lines.push(line);
          if (lines.length >= limit) return { lines, more: true };
        }
        pos = nl + 1;
      }
    }
    return { lines, more: false };
  } finally {
    await closeLogFiles(files);
  }
}
