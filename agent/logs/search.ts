// History search over one app's log files: filters, newest matches first, paged backwards with an
// opaque cursor that stays valid across rotation. User regexes run on RE2 with a time budget per
// batch, and only a few at once per agent (search-slots.ts): over that, RATE_LIMITED.
import { err, ok, type Result } from "../../lib/protocol";
import { isoTime } from "../../lib/protocol/iso-time";
import { closeLogFiles, type OpenLogFile, openLogFiles } from "./log-files";
import type { LogLine, LogStream } from "./log-store";
import { loadRegexEngine, RegexMatcher } from "./regex-matcher";
import { regexSearchSlots, type SearchSlots } from "./search-slots";
import { readStoredLinesBackward } from "./stored-lines";

export type LogLevel = "error" | "warning" | "info" | "debug";

export type SearchFilters = {
  since?: string;
  until?: string;
  pid?: number;
  stream?: LogStream;
  /** Case-insensitive substring. */
  q?: string;
  regex?: string;
  ignoreCase?: boolean;
  /** Lines that name this level or a more severe one (ERROR, WARNING, …); lines naming no level are left out. */
  level?: LogLevel;
  limit?: number;
  cursor?: string | null;
};

/** Lines oldest first (newest last); `nextCursor` fetches the page of older lines, null when there are none. */
export type SearchPage = { lines: LogLine[]; nextCursor: string | null };

export type SearchOptions = {
  /** Time one batch of lines may spend in the user's regex. */
  regexBudgetMs?: number;
  /** Bytes read per call; a sparse search returns a short page with a cursor instead of running long. */
  maxScanBytes?: number;
  /** The gate regex searches pass (default: the agent's own). */
  slots?: SearchSlots;
};

export const MAX_LIMIT = 1000;
const BATCH = 1000;
const LEVELS: LogLevel[] = ["debug", "info", "warning", "error"];
const LEVEL_WORDS: Array<[LogLevel, RegExp]> = [
  ["error", /\b(?:FATAL|CRITICAL|CRIT|ERROR|ERR|EMERG|ALERT|PANIC)\b|Traceback \(most recent call last\)|Fatal error|Uncaught /i],
  ["warning", /\bWARN(?:ING)?\b/i],
  ["info", /\b(?:INFO|NOTICE)\b/i],
  ["debug", /\b(?:DEBUG|TRACE)\b/i],
];

export function lineLevel(text: string): LogLevel | null {
  for (const [level, re] of LEVEL_WORDS) if (re.test(text)) return level;
  return null;
}

/*
 * The cursor names a byte position in one file: the start of the oldest line already handled.
 * Files are named by inode (plus their first bytes, against inode reuse), not by name, because
 * rotation renames app.log to app.log.1 without touching its bytes: after a rotation between two
 * pages the same inode is found under its new name and reading resumes at the same offset, so no
 * line is repeated or skipped. Lines written after the first page are newer than every page of this
 * walk and belong to a fresh search. Only if the file was rotated out of existence (deleted as the
 * oldest) is the rest gone, and the walk ends there.
 */
type Cursor = { ino: number; head: string; offset: number };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([1, c.ino, c.head, c.offset])).toString("base64url");
}

function decodeCursor(s: string): Cursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
    if (!Array.isArray(v) || v.length !== 4 || v[0] !== 1) return null;
    const [, ino, head, offset] = v;
    if (typeof ino !== "number" || typeof head !== "string" || typeof offset !== "number" || offset < 0) return null;
    return { ino, head, offset };
  } catch {
    return null;
  }
}

function parseTime(value: string | undefined, name: string): Result<string | undefined> {
  if (value === undefined || value === "") return ok(undefined);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return err("BAD_REQUEST", `"${name}" is not a date and time.`);
  return ok(isoTime(ms)); // same shape as the stored timestamps, so strings compare in time order
}

type Candidate = { line: LogLine; file: OpenLogFile; offset: number };

export async function searchLogs(dir: string, filters: SearchFilters, opts: SearchOptions = {}): Promise<Result<SearchPage>> {
  const limit = filters.limit ?? 200;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return err("BAD_REQUEST", `The limit must be 1 to ${MAX_LIMIT}.`);
  const since = parseTime(filters.since, "since");
  if (!since.ok) return since;
  const until = parseTime(filters.until, "until");
  if (!until.ok) return until;
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : null;
  if (filters.cursor && !cursor) return err("BAD_REQUEST", "The page cursor is not valid; start the search again.");
  if (filters.q !== undefined && filters.q.length > 1000) return err("BAD_REQUEST", "The search text is too long.");
  if (!filters.regex) return searchWith(dir, filters, since.value, until.value, limit, cursor, null, opts);
  // A bad pattern is refused before it takes a slot.
  await loadRegexEngine();
  const created = RegexMatcher.create(filters.regex, { ignoreCase: filters.ignoreCase, budgetMs: opts.regexBudgetMs });
  if (!created.ok) return created;
  const matcher = created.value;
  return (opts.slots ?? regexSearchSlots).run(() => searchWith(dir, filters, since.value, until.value, limit, cursor, matcher, opts));
}

async function searchWith(
  dir: string,
  filters: SearchFilters,
  since: string | undefined,
  until: string | undefined,
  limit: number,
  cursor: Cursor | null,
  matcher: RegexMatcher | null,
  opts: SearchOptions,
): Promise<Result<SearchPage>> {
  const files = await openLogFiles(dir);
  try {
    return await scan(files, { ...filters, since, until }, limit, cursor, matcher, opts.maxScanBytes ?? 64 << 20);
  } finally {
    await matcher?.close();
    await closeLogFiles(files);
  }
}

async function scan(
  files: OpenLogFile[],
  f: SearchFilters,
  limit: number,
  cursor: Cursor | null,
  matcher: RegexMatcher | null,
  maxScanBytes: number,
): Promise<Result<SearchPage>> {
  let startIdx = files.length - 1;
  let startOffset = startIdx >= 0 ? files[startIdx].size : 0;
  if (cursor) {
    startIdx = files.findIndex((file) => file.ino === cursor.ino && file.head === cursor.head);
    if (startIdx < 0) return ok({ lines: [], nextCursor: null }); // that file and everything older is gone
    startOffset = Math.min(cursor.offset, files[startIdx].size);
  }
  const q = f.q?.toLowerCase();
  const minLevel = f.level ? LEVELS.indexOf(f.level) : -1;
  const found: Candidate[] = []; // newest first
  let batch: Candidate[] = [];
  let last: Candidate | { file: OpenLogFile; offset: number } | null = null;
  let scanned = 0;

  const drain = async (): Promise<Result<boolean>> => {
    let keep = batch;
    batch = [];
    if (matcher && keep.length) {
      const tested = await matcher.test(keep.map((c) => c.line.text));
      if (!tested.ok) return tested;
      keep = keep.filter((_, i) => tested.value[i]);
    }
    for (const c of keep) {
      found.push(c);
      if (found.length === limit) return ok(true);
    }
    return ok(false);
  };

  for (let i = startIdx; i >= 0; i--) {
    const file = files[i];
    for await (const stored of readStoredLinesBackward(file, i === startIdx ? startOffset : file.size)) {
      scanned += stored.bytes;
      const line: LogLine = { ts: stored.ts, pid: stored.pid, stream: stored.stream, text: stored.text };
      if (f.since && line.ts < f.since) {
        // Files are in time order, so nothing older can match: the walk is complete.
        const full = await drain();
        if (!full.ok) return full;
        return ok(page(found, full.value ? found[found.length - 1] : null));
      }
      last = { file, offset: stored.offset };
      if (keepLine(line, f, q, minLevel)) batch.push({ line, file, offset: stored.offset });
      if (batch.length >= BATCH || scanned >= maxScanBytes) {
        const full = await drain();
        if (!full.ok) return full;
        if (full.value) return ok(page(found, found[found.length - 1]));
        if (scanned >= maxScanBytes) return ok(page(found, last));
      }
    }
  }
  const full = await drain();
  if (!full.ok) return full;
  // Stopping exactly at the limit on the oldest line leaves a cursor whose next page is empty; that is fine.
  return ok(page(found, full.value ? found[found.length - 1] : null));
}

function keepLine(line: LogLine, f: SearchFilters, q: string | undefined, minLevel: number): boolean {
  if (f.until && line.ts > f.until) return false;
  if (f.pid !== undefined && line.pid !== f.pid) return false;
  if (f.stream && line.stream !== f.stream) return false;
  if (q && !line.text.toLowerCase().includes(q)) return false;
  if (minLevel >= 0) {
    const level = lineLevel(line.text);
    if (level === null || LEVELS.indexOf(level) < minLevel) return false;
  }
  return true;
}

function page(found: Candidate[], resumeAt: { file: OpenLogFile; offset: number } | null): SearchPage {
  const lines = found.map((c) => c.line).reverse();
  const nextCursor = resumeAt ? encodeCursor({ ino: resumeAt.file.ino, head: resumeAt.file.head, offset: resumeAt.offset }) : null;
  return { lines, nextCursor };
}
