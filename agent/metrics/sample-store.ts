// An app's samples on the agent's disk, in two tiers: every 10 s sample for a day, and 5-minute
// aggregates for 30 days, one JSON array per line in metrics/<appId>/{10s,5m}.jsonl. A file is
// rewritten without its oldest lines once it holds 10% more than its tier keeps, so disk use per
// app is bounded (~1.5 MB, plus ~0.35 MB per process of per-process history, at most 16 processes).
// The last hour of app samples stays in memory (loaded back after an agent restart); per-process
// history is read from disk when asked for, so it costs no memory.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AppSample, ProcessSample } from "../../lib/protocol";
import { aggregate, aggregateProcesses } from "./downsample";

export const FINE_MS = 10_000;
export const COARSE_MS = 300_000;
const TIERS = { fine: { file: "10s.jsonl", keepMs: 86_400_000 }, coarse: { file: "5m.jsonl", keepMs: 30 * 86_400_000 } } as const;
type Tier = keyof typeof TIERS;
const MEMORY_MS = 3_600_000;
/** Per-process history keeps the first 16 slots: a 256-process app would otherwise write 16x the lines. */
export const PROCESS_HISTORY_MAX = 16;
const PROC_FIELDS = ["slot", "pid", "cpuPercent", "rssBytes", "fds", "workersBusy", "workersIdle"] as const satisfies readonly (keyof ProcessSample)[];

const FIELDS = [
  "t", "step", "cpuPercent", "rssBytes", "fds", "restarts", "processes", "workersBusy", "workersIdle", "listenQueue",
  "requests", "status2xx", "status3xx", "status4xx", "status5xx", "p50Ms", "p90Ms", "p99Ms",
] as const satisfies readonly (keyof AppSample)[];

/** One line: the app's fields, then (when known) its processes as arrays of PROC_FIELDS. */
function encode(s: AppSample): string {
  const row: unknown[] = FIELDS.map((f) => s[f]);
  if (s.perProcess?.length) row.push(s.perProcess.slice(0, PROCESS_HISTORY_MAX).map((p) => PROC_FIELDS.map((f) => p[f])));
  return JSON.stringify(row);
}

function decodeProcesses(x: unknown): ProcessSample[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: ProcessSample[] = [];
  for (const p of x) {
    if (!Array.isArray(p) || p.length !== PROC_FIELDS.length || !p.every((v) => typeof v === "number" && v >= 0)) continue;
    const o: Record<string, number> = {};
    PROC_FIELDS.forEach((f, i) => {
      o[f] = p[i] as number;
    });
    out.push(o as ProcessSample);
  }
  return out;
}

/** `processes`: also read the line's per-process part (lines written before it existed have none). */
function decode(appId: string, line: string, processes = false): AppSample | null {
  try {
    const a: unknown = JSON.parse(line);
    if (!Array.isArray(a) || (a.length !== FIELDS.length && a.length !== FIELDS.length + 1)) return null;
    const s: Record<string, unknown> = { appId };
    FIELDS.forEach((f, i) => {
      s[f] = a[i];
    });
    if (processes) s.perProcess = decodeProcesses(a[FIELDS.length]) ?? [];
    return s as AppSample;
  } catch {
    return null; // a line torn by a crash mid-write
  }
}

export class SampleStore {
  private memory = new Map<string, AppSample[]>();
  /** Per app: the processes of each sample in the open 5-minute bucket (for its aggregate). */
  private bucketProcesses = new Map<string, { bucket: number; parts: ProcessSample[][] }>();
  private lines = new Map<string, number>(); // per file: lines written, for compaction
  private warned = false;

  constructor(private dir: string) {}

  private file(appId: string, tier: Tier): string {
    return path.join(this.dir, appId.replace(/[^A-Za-z0-9_.-]/g, "_"), TIERS[tier].file);
  }

  private read(appId: string, tier: Tier, processes = false): AppSample[] {
    let text = "";
    try {
      text = readFileSync(this.file(appId, tier), "utf8");
    } catch {
      return [];
    }
    const out: AppSample[] = [];
    for (const line of text.split("\n")) {
      const s = line ? decode(appId, line, processes) : null;
      if (s) out.push(s);
    }
    return out;
  }

  /** The last hour of an app, from memory (read from disk the first time after a start). */
  recent(appId: string): AppSample[] {
    let mem = this.memory.get(appId);
    if (!mem) {
      const cutoff = Date.now() - MEMORY_MS;
      mem = this.read(appId, "fine").filter((s) => s.t >= cutoff);
      this.memory.set(appId, mem);
    }
    return mem;
  }

  /** Stores a 10 s sample; closing a 5-minute bucket also stores its aggregate. */
  append(sample: AppSample): void {
    const mem = this.recent(sample.appId);
    const prev = mem[mem.length - 1];
    if (prev && sample.t <= prev.t) return; // the same interval twice (a clock step back): keep the first
    const { perProcess, totals: _t, ...kept } = sample;
    mem.push(kept);
    const cutoff = sample.t - MEMORY_MS;
    while (mem.length && mem[0].t < cutoff) mem.shift();
    this.write(sample.appId, "fine", { ...kept, perProcess });
    const open = this.bucketProcesses.get(sample.appId);
    if (prev && Math.floor(prev.t / COARSE_MS) !== Math.floor(sample.t / COARSE_MS)) {
      const bucket = Math.floor(prev.t / COARSE_MS);
      const members = mem.filter((s) => Math.floor(s.t / COARSE_MS) === bucket && s.t <= prev.t);
      const procs = open?.bucket === bucket ? aggregateProcesses(open.parts) : [];
      if (members.length) this.write(sample.appId, "coarse", { ...aggregate(sample.appId, (bucket + 1) * COARSE_MS, COARSE_MS, members), perProcess: procs });
    }
    const bucket = Math.floor(sample.t / COARSE_MS);
    const parts = open?.bucket === bucket ? open.parts : [];
    parts.push((perProcess ?? []).slice(0, PROCESS_HISTORY_MAX));
    this.bucketProcesses.set(sample.appId, { bucket, parts });
  }

  private write(appId: string, tier: Tier, s: AppSample): void {
    const file = this.file(appId, tier);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      let known = this.lines.get(file);
      if (known === undefined) {
        // First write since the agent started: a line torn by a crash is ended, not continued.
        const text = existsSync(file) ? readFileSync(file, "utf8") : "";
        if (text && !text.endsWith("\n")) appendFileSync(file, "\n");
        known = this.read(appId, tier).length;
      }
      appendFileSync(file, `${encode(s)}\n`);
      const n = known + 1;
      this.lines.set(file, n);
      const keep = Math.ceil(TIERS[tier].keepMs / (tier === "fine" ? FINE_MS : COARSE_MS));
      if (n > keep * 1.1) this.compact(appId, tier, s.t - TIERS[tier].keepMs);
    } catch (e) {
      // A full disk costs history, never the agent: said once, tried again each sample.
      if (!this.warned) console.error(`[agent] cannot store metrics in ${file}: ${e instanceof Error ? e.message : String(e)}`);
      this.warned = true;
    }
  }

  private compact(appId: string, tier: Tier, cutoff: number): void {
    const file = this.file(appId, tier);
    const kept = this.read(appId, tier, true).filter((s) => s.t >= cutoff);
    writeFileSync(`${file}.tmp`, kept.map((s) => `${encode(s)}\n`).join(""));
    renameSync(`${file}.tmp`, file);
    this.lines.set(file, kept.length);
  }

  /**
   * An app's samples in [from, to]: 10 s ones while the range lies within the last day, else 5-minute
   * ones; with `processes`, each with its processes' own CPU, RSS, fds and workers (read from disk).
   */
  query(appId: string, from: number, to: number, now = Date.now(), processes = false): AppSample[] {
    // A day asked for by the control plane starts a few ms (or a clock's skew) more than a day before
    // this agent's now: still the 10 s tier, whose compaction leaves a little more than a day anyway.
    const tier: Tier = from >= now - TIERS.fine.keepMs - COARSE_MS ? "fine" : "coarse";
    const source = !processes && tier === "fine" && from >= now - MEMORY_MS ? this.recent(appId) : this.read(appId, tier, processes);
    return source.filter((s) => s.t >= from && s.t <= to);
  }

  /** Drops a removed app's history. */
  remove(appId: string): void {
    this.memory.delete(appId);
    this.bucketProcesses.delete(appId);
    rmSync(path.dirname(this.file(appId, "fine")), { recursive: true, force: true });
  }

  /** Apps with stored history. */
  apps(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }
}
