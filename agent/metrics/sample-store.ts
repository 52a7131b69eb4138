// An app's samples on the agent's disk, in two tiers: every 10 s sample for a day, and 5-minute
// aggregates for 30 days, one JSON array per line in metrics/<appId>/{10s,5m}.jsonl. A file is
// rewritten without its oldest lines once it holds 10% more than its tier keeps, so disk use per
// app is bounded (~1.5 MB). The last hour stays in memory (loaded back after an agent restart).
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AppSample } from "../../lib/protocol";
import { aggregate } from "./downsample";

export const FINE_MS = 10_000;
export const COARSE_MS = 300_000;
const TIERS = { fine: { file: "10s.jsonl", keepMs: 86_400_000 }, coarse: { file: "5m.jsonl", keepMs: 30 * 86_400_000 } } as const;
type Tier = keyof typeof TIERS;
const MEMORY_MS = 3_600_000;

const FIELDS = [
  "t", "step", "cpuPercent", "rssBytes", "fds", "restarts", "processes", "workersBusy", "workersIdle", "listenQueue",
  "requests", "status2xx", "status3xx", "status4xx", "status5xx", "p50Ms", "p90Ms", "p99Ms",
] as const satisfies readonly (keyof AppSample)[];

function encode(s: AppSample): string {
  return JSON.stringify(FIELDS.map((f) => s[f]));
}

function decode(appId: string, line: string): AppSample | null {
  try {
    const a: unknown = JSON.parse(line);
    if (!Array.isArray(a) || a.length !== FIELDS.length) return null;
    const s: Record<string, unknown> = { appId };
    FIELDS.forEach((f, i) => {
      s[f] = a[i];
    });
    return s as AppSample;
  } catch {
    return null; // a line torn by a crash mid-write
  }
}

export class SampleStore {
  private memory = new Map<string, AppSample[]>();
  private lines = new Map<string, number>(); // per file: lines written, for compaction
  private warned = false;

  constructor(private dir: string) {}

  private file(appId: string, tier: Tier): string {
    return path.join(this.dir, appId.replace(/[^A-Za-z0-9_.-]/g, "_"), TIERS[tier].file);
  }

  private read(appId: string, tier: Tier): AppSample[] {
    let text = "";
    try {
      text = readFileSync(this.file(appId, tier), "utf8");
    } catch {
      return [];
    }
    const out: AppSample[] = [];
    for (const line of text.split("\n")) {
      const s = line ? decode(appId, line) : null;
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
    const { perProcess: _p, totals: _t, ...kept } = sample;
    mem.push(kept);
    const cutoff = sample.t - MEMORY_MS;
    while (mem.length && mem[0].t < cutoff) mem.shift();
    this.write(sample.appId, "fine", kept);
    if (prev && Math.floor(prev.t / COARSE_MS) !== Math.floor(sample.t / COARSE_MS)) {
      const bucket = Math.floor(prev.t / COARSE_MS);
      const members = mem.filter((s) => Math.floor(s.t / COARSE_MS) === bucket && s.t <= prev.t);
      if (members.length) this.write(sample.appId, "coarse", aggregate(sample.appId, (bucket + 1) * COARSE_MS, COARSE_MS, members));
    }
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
    const kept = this.read(appId, tier).filter((s) => s.t >= cutoff);
    writeFileSync(`${file}.tmp`, kept.map((s) => `${encode(s)}\n`).join(""));
    renameSync(`${file}.tmp`, file);
    this.lines.set(file, kept.length);
  }

  /** An app's samples in [from, to]: 10 s ones while the range lies within the last day, else 5-minute ones. */
  query(appId: string, from: number, to: number, now = Date.now()): AppSample[] {
    const tier: Tier = from >= now - TIERS.fine.keepMs ? "fine" : "coarse";
    const source = tier === "fine" && from >= now - MEMORY_MS ? this.recent(appId) : this.read(appId, tier);
    return source.filter((s) => s.t >= from && s.t <= to);
  }

  /** Drops a removed app's history. */
  remove(appId: string): void {
    this.memory.delete(appId);
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
