// An app's stored log lines with their timestamp, pid and stream: the lines of a log file joined to
// the records of its index, read newest first (search, tail) or oldest first (resume after a seq).
import { type IndexRecord, type OpenIndex, parseIndexRecord, recordsCovering } from "./log-index";
import { type OpenLogFile, readLinesBackward } from "./log-files";
import type { LogLine } from "./log-store";

/** A line and where it is in its file. */
export type StoredLine = LogLine & { offset: number; bytes: number };

/** Walks an index newest first, answering "whose is the line at this offset?" for falling offsets. */
class IndexCursor {
  private records: AsyncGenerator<{ text: string }>;
  private current: IndexRecord | null = null;

  constructor(index: OpenIndex) {
    this.records = readLinesBackward(index, index.size);
  }

  async at(offset: number): Promise<IndexRecord | null> {
    while (!this.current || this.current.offset > offset) {
      const next = await this.records.next();
      if (next.done) return null;
      const record = parseIndexRecord(next.value.text); // null for the header line
      if (record) this.current = record;
    }
    return this.current;
  }

  close(): void {
    void this.records.return(undefined);
  }
}

/** Files written before indexes existed carry `ts pid stream ` in front of every line. */
export function parseLegacyLine(line: string): LogLine | null {
  const a = line.indexOf(" ");
  const b = line.indexOf(" ", a + 1);
  const c = line.indexOf(" ", b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  const stream = line.slice(b + 1, c);
  if (stream !== "out" && stream !== "err" && stream !== "web") return null;
  return { ts: line.slice(0, a), pid: Number(line.slice(a + 1, b)), stream, text: line.slice(c + 1) };
}

/** The lines of `file` that end at or before byte `end`, newest first. */
export async function* readStoredLinesBackward(file: OpenLogFile, end: number): AsyncGenerator<StoredLine> {
  const cursor = file.index ? new IndexCursor(file.index) : null;
  try {
    for await (const raw of readLinesBackward(file, end)) {
      const line = cursor ? withRecord(await cursor.at(raw.offset), raw.text) : legacyOrBare(raw.text);
      yield { ...line, offset: raw.offset, bytes: raw.bytes };
    }
  } finally {
    cursor?.close();
  }
}

/** The whole lines of `file` from byte `start` (a line start) up to `end` (its size when opened), oldest first. */
export async function readStoredLinesForward(file: OpenLogFile, start: number, end = file.size): Promise<StoredLine[]> {
  const buf = Buffer.alloc(Math.max(0, Math.min(end, file.size) - start));
  await file.handle.read(buf, 0, buf.length, start);
  const records = file.index ? await recordsCovering(file.index, start, start + buf.length) : [];
  const lines: StoredLine[] = [];
  let k = 0;
  for (let pos = 0; pos < buf.length; ) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break; // a line still being written: the live stream delivers it
    const offset = start + pos;
    while (k + 1 < records.length && records[k + 1].offset <= offset) k++;
    const text = buf.toString("utf8", pos, nl);
    const record = k < records.length && records[k].offset <= offset ? records[k] : null;
    const line = file.index ? withRecord(record, text) : legacyOrBare(text);
    lines.push({ ...line, offset, bytes: nl + 1 - pos });
    pos = nl + 1;
  }
  return lines;
}

// A line with no record (its index was lost in a crash) is still shown, as the agent's own.
function withRecord(record: IndexRecord | null, text: string): LogLine {
  return record ? { ts: record.ts, pid: record.pid, stream: record.stream, text } : { ts: "", pid: 0, stream: "err", text };
}

function legacyOrBare(text: string): LogLine {
  return parseLegacyLine(text) ?? withRecord(null, text);
}

/** One line as plain text, the way downloads show it. */
export function renderLine(line: LogLine): string {
  return `${line.ts} ${line.pid} ${line.stream} ${line.text}\n`;
}
