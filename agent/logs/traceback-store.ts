// Keeps each app's traceback groups on disk (`<state>/tracebacks/<appId>.json`), so the
// Tracebacks tab survives an agent restart: loaded on attach, written a moment after a change
// (one write per burst), removed with the app. Bad or foreign files are ignored, never fatal.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as z from "zod";
import type { SavedGroup, TracebackGroups } from "./traceback-groups";

const SAVE_DELAY_MS = 1000;
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const FrameSchema = z.object({ file: z.string(), line: z.number().nullable(), func: z.string() });
const SavedGroupSchema = z.object({
  fingerprint: z.string(),
  language: z.enum(["python", "php", "perl", "node", "uwsgi"]),
  type: z.string(),
  message: z.string(),
  count: z.number().int().min(0),
  firstSeen: z.string(),
  lastSeen: z.string(),
  sample: z.string(),
  frames: z.array(FrameSchema),
  pids: z.array(z.number().int()),
  minutes: z.array(z.tuple([z.number().int(), z.number().int()])),
});
const FileSchema = z.object({ version: z.literal(1), groups: z.array(SavedGroupSchema) });

export class TracebackStore {
  private timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly dir: string) {}

  private file(appId: string): string {
    return path.join(this.dir, `${appId.replace(/[^A-Za-z0-9_-]/g, "_")}.json`);
  }

  /** Loads the saved groups of `appId` into `groups` (nothing when there is no valid file). */
  load(appId: string, groups: TracebackGroups): void {
    try {
      const text = readFileSync(this.file(appId), "utf8");
      if (text.length > MAX_FILE_BYTES) return;
      const parsed = FileSchema.safeParse(JSON.parse(text));
      if (parsed.success) groups.load(parsed.data.groups satisfies SavedGroup[]);
    } catch {
      // no file yet, or unreadable: start empty
    }
  }

  /** Saves `groups` a moment from now; a burst of tracebacks is one write. */
  changed(appId: string, groups: TracebackGroups): void {
    if (this.timers.has(appId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(appId);
      this.write(appId, groups);
    }, SAVE_DELAY_MS);
    timer.unref();
    this.timers.set(appId, timer);
  }

  /** Writes now what is pending (agent shutdown). */
  flush(appId: string, groups: TracebackGroups): void {
    const timer = this.timers.get(appId);
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(appId);
    this.write(appId, groups);
  }

  remove(appId: string): void {
    clearTimeout(this.timers.get(appId));
    this.timers.delete(appId);
    rmSync(this.file(appId), { force: true });
  }

  private write(appId: string, groups: TracebackGroups): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const file = this.file(appId);
      writeFileSync(`${file}.tmp`, JSON.stringify({ version: 1, groups: groups.save() }));
      renameSync(`${file}.tmp`, file);
    } catch {
      // A full disk must not stop the agent; the groups stay in memory and the next change retries.
    }
  }
}
