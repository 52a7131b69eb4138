import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LogStore } from "./log-store";
import { type SearchFilters, type SearchPage, searchLogs } from "./search";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-search-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A sink that rotates every ~1.5 KB and keeps plenty of files, so rotation happens mid-test. */
function sinkIn(dir: string): LogStore {
  return new LogStore(dir, { fileBytes: 1500, totalBytes: 1500 * 100 });
}

async function mustSearch(dir: string, filters: SearchFilters): Promise<SearchPage> {
  const result = await searchLogs(dir, filters);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

/** Walks every page backwards and returns the lines oldest first. */
async function allPages(dir: string, filters: SearchFilters, between?: (page: number) => void): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await mustSearch(dir, { ...filters, cursor });
    pages.push(page.lines.map((l) => l.text));
    cursor = page.nextCursor;
    between?.(pages.length);
  } while (cursor && pages.length < 1000);
  return pages;
}

describe("searchLogs", () => {
  it("returns every line exactly once and in order across rotation between pages", async () => {
    const dir = tempDir();
    const sink = sinkIn(dir);
    const written: string[] = [];
    for (let i = 0; i < 120; i++) {
      const text = `request ${i} ${"x".repeat(i % 17)}`;
      written.push(text);
      sink.write(1000 + (i % 3), i % 5 === 0 ? "err" : "out", `${text}\n`);
    }
    expect(readdirSync(dir).length).toBeGreaterThan(3);
    let extra = 0;
    const pages = await allPages(dir, { limit: 7 }, () => {
      // Newer lines force several rotations while the walk is in progress.
      for (let k = 0; k < 15; k++) sink.write(2000, "out", `late ${extra++}\n`);
    });
    sink.close();
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(pages.reverse().flat()).toEqual(written);
  });

  it("pages through filtered results with no gap or duplicate", async () => {
    const dir = tempDir();
    const sink = sinkIn(dir);
    for (let i = 0; i < 300; i++) sink.write(i % 2 ? 11 : 22, "out", `${i % 10 === 0 ? "ERROR" : "INFO"} job ${i}\n`);
    sink.close();
    const expected = Array.from({ length: 30 }, (_, k) => `ERROR job ${k * 10}`).filter((_, k) => (k * 10) % 2 === 0);
    const pages = await allPages(dir, { pid: 22, level: "error", limit: 4 });
    expect(pages.reverse().flat()).toEqual(expected);
    const byRegex = await allPages(dir, { regex: "job (1|2)\\d$", q: "error", limit: 3 });
    expect(byRegex.reverse().flat()).toEqual(["ERROR job 10", "ERROR job 20"]);
  });

  it("filters by stream, time range and substring", async () => {
    const dir = tempDir();
    const lines = [
      "2024-01-01T10:00:00.000Z 5 out hello world",
      "2024-01-01T10:00:01.000Z 5 err Hello stderr",
      "2024-01-01T10:00:02.000Z 6 out goodbye",
      "2024-01-01T10:00:03.000Z 6 err hello again",
    ];
    writeFileSync(path.join(dir, "app.log"), `${lines.join("\n")}\n2024-01-01T10:00:04.000Z 6 out partial wri`);
    const text = (p: SearchPage) => p.lines.map((l) => l.text);
    expect(text(await mustSearch(dir, { stream: "err" }))).toEqual(["Hello stderr", "hello again"]);
    expect(text(await mustSearch(dir, { q: "HELLO", until: "2024-01-01T10:00:02Z" }))).toEqual(["hello world", "Hello stderr"]);
    const sinceOnly = await mustSearch(dir, { since: "2024-01-01T10:00:02Z" });
    expect(text(sinceOnly)).toEqual(["goodbye", "hello again"]);
    expect(sinceOnly.nextCursor).toBeNull();
  });

  it("answers a pattern that is catastrophic for a backtracking engine at once (RE2: linear time)", async () => {
    const dir = tempDir();
    const sink = sinkIn(dir);
    sink.write(1, "out", `${"a".repeat(5000)}!\n`);
    sink.write(1, "out", "aaaa\n");
    sink.close();
    const started = Date.now();
    const result = await searchLogs(dir, { regex: "(a+)+$" }, { regexBudgetMs: 300 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.ok && result.value.lines.map((l) => l.text)).toEqual(["aaaa"]);
  });

  it("explains invalid patterns, limits and cursors", async () => {
    const dir = tempDir();
    const bad = await searchLogs(dir, { regex: "(unclosed" });
    expect(bad).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    if (!bad.ok) expect(bad.message).toMatch(/not valid: .*missing closing \)/i);
    const backref = await searchLogs(dir, { regex: "(a)\\1" });
    if (!backref.ok) expect(backref.message).toContain("no backreferences");
    expect(await searchLogs(dir, { regex: "a".repeat(600) })).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await searchLogs(dir, { limit: 1001 })).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await searchLogs(dir, { cursor: "not-a-cursor" })).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await searchLogs(dir, {})).toEqual({ ok: true, value: { lines: [], nextCursor: null } });
  });

  it("stops after the scan budget with a cursor that continues the walk", async () => {
    const dir = tempDir();
    const sink = sinkIn(dir);
    for (let i = 0; i < 200; i++) sink.write(1, "out", `line ${i}\n`);
    sink.close();
    const first = await searchLogs(dir, { q: "line 0" }, { maxScanBytes: 300 });
    expect(first.ok && first.value.lines.length === 0 && first.value.nextCursor !== null).toBe(true);
    let cursor = first.ok ? first.value.nextCursor : null;
    const got: string[] = [];
    while (cursor) {
      const next = await searchLogs(dir, { q: "line 0", cursor }, { maxScanBytes: 300 });
      if (!next.ok) throw new Error(next.message);
      got.unshift(...next.value.lines.map((l) => l.text));
      cursor = next.value.nextCursor;
    }
    expect(got).toEqual(["line 0"]);
  });
});
