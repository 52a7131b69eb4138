// The agent's log ingest alone, without a control plane or other managers (bench/logs.ts has those):
// bench/fixtures/spew.mjs writes 1,000,000 numbered 70-byte lines through a pipe that a LogSink in
// this process takes (agent/logs/ingest.ts), for each writer kind in turn. Time = from the writer's
// start until its pipes have ended and every line is in app.log; CPU = this process's user + system
// time over the same span (the ingest's: the writer is another process).
// Run: node --import tsx bench/log-ingest.ts   (BENCH_LINES, BENCH_RUNS; temp dirs only)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LogSink } from "../agent/logs/log-sink";
import { closeFd, pipe } from "../agent/native";

const SPEW = path.join(import.meta.dirname, "fixtures/spew.mjs");
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WRITERS = ["per-line", "formatted", "prebuilt"] as const;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(writer: (typeof WRITERS)[number]): Promise<{ ms: number; cpuMs: number; lines: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-bench-ingest-"));
  try {
    const sink = new LogSink(dir, { fileBytes: 1 << 30, totalBytes: 2 << 30 });
    const [outR, outW] = pipe();
    const [errR, errW] = pipe();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const child = spawn(process.execPath, [SPEW, String(LINES), path.join(dir, "times.json"), writer], { stdio: ["ignore", outW, errW] });
    closeFd(outW);
    closeFd(errW);
    const pid = child.pid ?? 0;
    await Promise.all([sink.attach(outR, pid, "out"), sink.attach(errR, pid, "err")]);
    const ms = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    sink.flush(pid);
    sink.close();
    const text = readFileSync(path.join(dir, "app.log"), "latin1");
    let lines = 0;
    for (let at = text.indexOf("spew "); at >= 0; at = text.indexOf("\nspew ", at + 1)) lines++;
    return { ms, cpuMs: (used.user + used.system) / 1000, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map<string, { ms: number[]; cpuMs: number[]; lost: number[] }>(WRITERS.map((w) => [w, { ms: [], cpuMs: [], lost: [] }]));
for (let i = 0; i < RUNS; i++) {
  for (const writer of WRITERS) {
    const r = await run(writer);
    const into = results.get(writer);
    into?.ms.push(r.ms);
    into?.cpuMs.push(r.cpuMs);
    into?.lost.push(LINES - r.lines);
  }
}
console.log(`| writer | ms until every line is stored, median (${RUNS} runs) | ingest CPU ms, median | lost |`);
console.log("|---|---|---:|---|");
for (const [writer, r] of results) {
  console.log(`| ${writer} | ${Math.round(median(r.ms))} (${r.ms.map(Math.round).join(", ")}) | ${Math.round(median(r.cpuMs))} | ${r.lost.every((x) => x === 0) ? "0 each" : r.lost.join(", ")} |`);
}
