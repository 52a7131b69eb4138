// An app's kept schedule runs and the last time each schedule fired (for catching up after
// downtime): one JSON file per app in the agent's state dir, rewritten whole (atomically) on change.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as z from "zod";
import { type ScheduleRun, ScheduleRunSchema } from "../../lib/protocol";

/** Runs kept per schedule, newest first. */
export const RUNS_KEPT = 30;

const FileSchema = z.object({
  lastFired: z.record(z.string(), z.number()).default({}),
  runs: z.record(z.string(), z.array(ScheduleRunSchema)).default({}),
});

export class RunStore {
  private data: z.infer<typeof FileSchema>;
  private readonly file: string;

  constructor(stateDir: string, appId: string) {
    this.file = path.join(stateDir, "schedules", `${appId}.json`);
    this.data = this.load();
  }

  private load(): z.infer<typeof FileSchema> {
    try {
      const parsed = FileSchema.safeParse(JSON.parse(readFileSync(this.file, "utf8")));
      if (!parsed.success) return { lastFired: {}, runs: {} };
      // A run the previous agent saw start but not end: its end is unknown, never "running" for ever.
      for (const list of Object.values(parsed.data.runs)) {
        for (const r of list) {
          if (r.status === "running") Object.assign(r, { status: "failed", note: "the agent restarted during this run; its end was not seen" });
        }
      }
      return parsed.data;
    } catch {
      return { lastFired: {}, runs: {} };
    }
  }

  lastFired(name: string): number | null {
    return this.data.lastFired[name] ?? null;
  }

  setFired(name: string, at: number): void {
    this.data.lastFired[name] = at;
    this.save();
  }

  runs(name: string): ScheduleRun[] {
    return this.data.runs[name] ?? [];
  }

  /** Adds or replaces (same id) a run, keeping the newest RUNS_KEPT. */
  put(run: ScheduleRun): void {
    const list = (this.data.runs[run.schedule] ?? []).filter((r) => r.id !== run.id);
    this.data.runs[run.schedule] = [run, ...list].sort((a, b) => b.scheduledFor.localeCompare(a.scheduledFor) || b.id.localeCompare(a.id)).slice(0, RUNS_KEPT);
    this.save();
  }

  /** Forgets schedules no longer in the spec. */
  keepOnly(names: string[]): void {
    for (const key of Object.keys(this.data.runs)) if (!names.includes(key)) delete this.data.runs[key];
    for (const key of Object.keys(this.data.lastFired)) if (!names.includes(key)) delete this.data.lastFired[key];
    this.save();
  }

  private save(): void {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (e) {
      console.error(`[agent] cannot save ${this.file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
