// Metrics cost (issue #19). Run: npm run build:agent && node --import tsx bench/metrics.ts
// 1. The standalone agent (dist/agent.mjs --config) with 1 and 50 quiet Perl FCGI apps, metrics on
//    (the default) against STOKER_METRICS=off: its CPU time over a window of whole 10 s sample
//    intervals after start-up (utime+stime from /proc/PID/stat) and its RSS at the end.
// 2. Following an access log at 5,000 requests/s: a child process appends nginx-format lines
//    (`stoker1 app 200 s 0.012`) at that rate; this process follows the file with the agent's own
//    AccessLogs and its percentile windows; its CPU time over the window against the same process idle.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AccessLogs } from "../agent/metrics/access-logs";

const root = path.resolve(import.meta.dirname, "..");
const work = mkdtempSync(path.join(tmpdir(), "stoker-bench-metrics-"));
const PERL = path.join(root, "examples/apps/perl/hello.fcgi");
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 60);
// BENCH_AGENT: another build of the agent to compare (a copy of dist/ inside the repo, for its node_modules).
const AGENT = path.resolve(process.env.BENCH_AGENT ?? path.join(root, "dist/agent.mjs"));
const APPS = (process.env.BENCH_APPS ?? "1,50").split(",").map(Number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
}

function rssMiB(pid: number, field = "VmRSS"): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
}

/** Lines in the host's TCP tables: what the metrics' socket readings had to go through. */
function tcpLines(): number {
  return ["/proc/net/tcp", "/proc/net/tcp6"].reduce((n, f) => n + readFileSync(f, "utf8").split("\n").length - 2, 0);
}

async function agentRun(apps: number, metrics: boolean): Promise<void> {
  const dir = path.join(work, `agent-${apps}-${metrics ? "on" : "off"}`);
  mkdirSync(dir, { recursive: true });
  const specs = Array.from({ length: apps }, (_, i) => ({ name: `quiet-${i}`, command: [PERL], socket: { path: path.join(dir, `q${i}.sock`) } }));
  writeFileSync(path.join(dir, "apps.json"), JSON.stringify({ apps: specs }));
  const state = path.join(dir, "state");
  const agent: ChildProcess = spawn(process.execPath, [AGENT, "--config", path.join(dir, "apps.json"), "--state-dir", state, "--socket-dirs", dir], {
    cwd: root,
    stdio: "ignore",
    env: { ...process.env, STOKER_METRICS: metrics ? "on" : "off" },
  });
  const pid = agent.pid ?? 0;
  await sleep(8000 + apps * 100); // started, adopted, settled
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  await sleep(WINDOW_S * 1000);
  const cpu = cpuSeconds(pid) - cpu0;
  const secs = (Date.now() - t0) / 1000;
  const rss = rssMiB(pid);
  console.log(`| ${apps} | ${metrics ? "on" : "off"} | ${cpu.toFixed(2)} s in ${secs.toFixed(0)} s | ${((cpu / secs) * 100).toFixed(2)} % | ${rss.toFixed(1)} (anon ${rssMiB(pid, "RssAnon").toFixed(1)}) | ${tcpLines()} |`);
  agent.kill("SIGTERM");
  await new Promise((r) => agent.once("exit", r));
  const saved = JSON.parse(readFileSync(path.join(state, "state.json"), "utf8")) as { apps: { processes: { pid: number }[] }[] };
  for (const a of saved.apps) {
    for (const p of a.processes) {
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}

const WRITER = `
const fs = require("node:fs");
const [file, rate, seconds] = process.argv.slice(1);
const fd = fs.openSync(file, "a");
// Every 10 ms, as a web server's workers write through the second, as many lines as the rate owes by
// now: a late timer writes more next time, so the whole window holds rate x seconds lines.
let n = 0;
const start = Date.now();
const end = start + Number(seconds) * 1000;
const t = setInterval(() => {
  const now = Math.min(Date.now(), end);
  const due = Math.floor((Number(rate) * (now - start)) / 1000);
  let chunk = "";
  for (; n < due; n++) chunk += "stoker1 app" + (n % 4) + " " + (n % 50 === 49 ? 502 : 200) + " s 0.0" + (10 + (n % 80)) + "\\n";
  if (chunk) fs.writeSync(fd, chunk);
  if (now >= end) { clearInterval(t); process.stdout.write(String(n)); }
}, 10);
`;

async function followCost(rate: number): Promise<void> {
  const file = path.join(work, "site.access.log");
  writeFileSync(file, "");
  const logs = new AccessLogs();
  const appIds = new Map(Array.from({ length: 4 }, (_, i) => [`app${i}`, `id${i}`]));
  // Baseline: this process following the idle file for the same window.
  logs.setSites([{ file, appIds }]);
  await sleep(1000);
  let c0 = process.cpuUsage();
  await sleep(WINDOW_S * 1000);
  let c = process.cpuUsage(c0);
  const idle = (c.user + c.system) / 1e6;
  c0 = process.cpuUsage();
  const t0 = Date.now();
  const writer = spawn(process.execPath, ["-e", WRITER, file, String(rate), String(WINDOW_S)], { stdio: ["ignore", "pipe", "inherit"] });
  let written = "";
  writer.stdout?.on("data", (d) => (written += d));
  // Every 10 s the agent ends an interval: percentiles over what it read.
  const ticks = setInterval(() => {
    for (const id of appIds.values()) logs.window(id).take();
  }, 10_000);
  await new Promise((r) => writer.once("exit", r));
  await sleep(1500); // the last lines are read
  clearInterval(ticks);
  for (const id of appIds.values()) logs.window(id).take();
  c = process.cpuUsage(c0);
  const secs = (Date.now() - t0) / 1000;
  const busy = (c.user + c.system) / 1e6;
  const counted = [...appIds.values()].reduce((n, id) => n + logs.window(id).totals.requests, 0);
  await logs.stop();
  console.log(`| ${rate}/s for ${WINDOW_S} s | ${written} | ${logs.linesRead} | ${counted} | ${busy.toFixed(2)} s in ${secs.toFixed(0)} s (${((busy / secs) * 100).toFixed(2)} % of a core) | idle: ${((idle / WINDOW_S) * 100).toFixed(2)} % | ${(process.memoryUsage.rss() / 1048576).toFixed(1)} |`);
}

async function main(): Promise<void> {
  const part = process.env.BENCH_PARTS ?? "agent,follow";
  if (part.includes("agent")) {
    console.log(`agent: ${path.relative(root, AGENT)}`);
    console.log("| apps | metrics | agent CPU time | CPU (% of a core) | RSS at the end (MiB) | host TCP sockets |");
    console.log("|---:|---|---:|---:|---:|---:|");
    for (const apps of APPS) for (const on of [false, true]) await agentRun(apps, on);
  }
  if (part.includes("follow")) {
    console.log("\n| access log | lines written | lines read | requests counted | follower CPU | same process idle | RSS (MiB) |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    await followCost(5000);
  }
  rmSync(work, { recursive: true, force: true });
}

void main();
