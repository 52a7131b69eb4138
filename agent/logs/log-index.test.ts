// The index beside a log: finding the records that cover any part of the log by bisection must give
// exactly what reading the whole index would, wherever the part is and however the index ends.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatIndexRecord, type IndexRecord, indexHeader, recordsCovering } from "./log-index";

const dir = mkdtempSync(path.join(tmpdir(), "log-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a reader of the whole index finds: the last record at or before start, then every one before end. */
function naive(records: IndexRecord[], start: number, end: number): IndexRecord[] {
  const first = records.findLastIndex((r) => r.offset <= start);
  return records.slice(Math.max(0, first)).filter((r, i) => (i === 0 && first >= 0) || (r.offset > start && r.offset < end));
}

async function indexOf(records: IndexRecord[], tail = ""): Promise<{ handle: Awaited<ReturnType<typeof open>>; size: number }> {
  const file = path.join(dir, `idx-${records.length}-${tail.length}`);
  writeFileSync(file, indexHeader(4242) + records.map((r) => formatIndexRecord(r.offset, r.ts, r.pid, r.stream)).join("") + tail);
  const handle = await open(file, "r");
  return { handle, size: (await handle.stat()).size };
}

describe("recordsCovering", () => {
  // 30,000 records (~1.5 MB of index): several bisection steps; gaps from 1 byte to 1 KB.
  let offset = 0;
  const records: IndexRecord[] = Array.from({ length: 30_000 }, (_, i) => {
    const r: IndexRecord = { offset, ts: new Date(1_700_000_000_000 + i).toISOString(), pid: 100 + (i % 7), stream: i % 3 ? "out" : "err" };
    offset += 1 + ((i * 7919) % 1024);
    return r;
  });

  it("finds the same records as a whole-index read, for parts anywhere in the log", async () => {
    const index = await indexOf(records);
    try {
      const last = records[records.length - 1].offset;
      const starts = [0, 1, records[1].offset, records[15_000].offset, records[15_000].offset + 1, last, last + 5];
      for (let k = 0; k < 60; k++) starts.push(Math.floor(((k * 104_729) % 1000) / 1000 * last));
      for (const start of starts) {
        for (const length of [1, 4096, 1 << 20]) {
          expect(await recordsCovering(index, start, start + length)).toEqual(naive(records, start, start + length));
        }
      }
    } finally {
      await index.handle.close();
    }
  });

  it("ignores a record torn by a crash at the end of the index", async () => {
    const index = await indexOf(records, "987654321 2026-11-26T0");
    try {
      const start = records[29_990].offset;
      expect(await recordsCovering(index, start, start + (1 << 20))).toEqual(records.slice(29_990));
    } finally {
      await index.handle.close();
    }
  });

  it("reads a short index (no bisection) from its header on", async () => {
    const few = records.slice(0, 5);
    const index = await indexOf(few);
    try {
      expect(await recordsCovering(index, few[2].offset + 1, few[4].offset)).toEqual(few.slice(2, 4));
    } finally {
      await index.handle.close();
    }
  });
});
