// Agent memory at rest (issue 15): the standalone agent (dist/agent.mjs, as `npm start` runs it) with
// 1 and with 50 quiet apps, beside PM2 5's God daemon with 1 and 50 apps, in the same run; and what
// the agent's memory is made of, from bare Node upwards (native modules, a worker thread for comparison).
// Run: npm run build:agent && node --import tsx bench/agent-memory.ts
// Figures: RSS and its anonymous part (the process's own memory; the rest is file-backed code
// pages shared with every other Node process) from /proc, after 8 s at rest.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const work = mkdtempSync(path.join(tmpdir(), "stoker-agent-memory-"));
const PERL = path.join(root, "examples/apps/perl/hello.fcgi");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REST_MS = 8000;

type Mem = { rss: number; anon: number; pss: number; threads: number };

function mem(pid: number): Mem {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0) / 1024;
  // PSS: shared pages (the node binary's code) split between the processes that map them.
  const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0) / 1024;
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), pss, threads: kb("Threads") * 1024 };
}

const fmt = (m: Mem) => `${m.rss.toFixed(1)} MiB (anon ${m.anon.toFixed(1)}, PSS ${m.pss.toFixed(1)}), ${m.threads} threads`;

function children(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    out.push(...readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean).map(Number));
  }
  return out;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

async function measureNode(label: string, code: string): Promise<void> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: root, stdio: "ignore" });
  await sleep(3000);
  console.log(`| ${label} | ${fmt(mem(child.pid!))} |`);
  child.kill("SIGKILL");
}

async function stokerAgent(apps: number): Promise<void> {
  const dir = path.join(work, `stoker-${apps}`);
  // As root the spec must name the user (an omitted one never means root): without it the agent
  // refuses every app and idles with none, which is what this bench measured before 2026-12-06.
  const user = process.getuid?.() === 0 ? { user: "root" } : {};
  const specs = Array.from({ length: apps }, (_, i) => ({ name: `quiet-${i}`, command: [PERL], socket: { path: path.join(dir, `q${i}.sock`) }, ...user }));
  spawnSync("mkdir", ["-p", dir]);
  writeFileSync(path.join(dir, "apps.json"), JSON.stringify({ apps: specs }));
  const state = path.join(dir, "state");
  const agent: ChildProcess = spawn(process.execPath, [path.join(root, "dist/agent.mjs"), "--config", path.join(dir, "apps.json"), "--state-dir", state, "--socket-dirs", dir], {
    cwd: root,
    stdio: "ignore",
  });
  await sleep(REST_MS + apps * 100);
  const keeper = children(agent.pid!).find((p) => comm(p).includes("log-keeper"));
  const running = children(agent.pid!).filter((p) => comm(p).includes(PERL)).length;
  if (running !== apps) throw new Error(`the agent runs ${running} of ${apps} apps`);
  const a = mem(agent.pid!);
  const k = keeper ? mem(keeper) : null;
  console.log(`| Stoker agent, ${apps} app(s) | ${fmt(a)} |${k ? ` + log keeper ${fmt(k)}` : ""}`);
  // PM2 has no second process: the pair is what a host pays for Stoker's agent side.
  if (k) console.log(`| Stoker agent + log keeper, ${apps} app(s) | ${(a.rss + k.rss).toFixed(1)} MiB (anon ${(a.anon + k.anon).toFixed(1)}, PSS ${(a.pss + k.pss).toFixed(1)}) |`);
  agent.kill("SIGTERM");
  await new Promise((r) => agent.once("exit", r));
  // The apps outlive the agent by design: stop them by the pids it saved.
  const saved = JSON.parse(readFileSync(path.join(state, "state.json"), "utf8")) as { apps: { processes: { pid: number }[] }[] };
  for (const a of saved.apps) for (const p of a.processes) try { process.kill(-p.pid, "SIGKILL"); } catch { /* gone */ }
  if (keeper) try { process.kill(keeper, "SIGKILL"); } catch { /* gone */ }
}

async function pm2Daemon(appsList: number[]): Promise<void> {
  const dir = path.join(work, "pm2");
  // Installed per run into the temp dir (never into the repo), as bench/logs.ts does.
  const install = spawnSync("npm", ["install", "--prefix", dir, "pm2@5", "--no-audit", "--no-fund", "--loglevel=error"], { stdio: "inherit" });
  if (install.status !== 0) return void console.log("| PM2 5 | (could not install pm2@5) |");
  const pm2 = path.join(dir, "node_modules/.bin/pm2");
  const env = { ...process.env, PM2_HOME: path.join(dir, "home") };
  spawnSync(pm2, ["ping"], { env, stdio: "ignore" });
  const god = Number(readFileSync(path.join(dir, "home/pm2.pid"), "utf8").trim());
  let started = 0;
  try {
    for (const apps of appsList) {
      for (; started < apps; started++) {
        spawnSync(pm2, ["start", "/bin/sleep", "--name", `quiet-${started}`, "--interpreter", "none", "--", "100000"], { env, stdio: "ignore" });
      }
      await sleep(REST_MS);
      console.log(`| PM2 5 God daemon, ${apps} app(s) | ${fmt(mem(god))} |`);
    }
  } finally {
    spawnSync(pm2, ["kill"], { env, stdio: "ignore", timeout: 30_000 });
  }
}

console.log("| process, after 8 s at rest | RSS (anonymous part, PSS), threads |\n|---|---|");
await measureNode("bare node (an idle timer)", "setInterval(() => {}, 1000)");
await measureNode("node + koffi with libc bound", "const k = (await import('koffi')).default; k.load('libc.so.6'); setInterval(() => {}, 1000)");
await measureNode("node + one idle worker thread", "const { Worker } = await import('node:worker_threads'); new Worker('setInterval(() => {}, 1000)', { eval: true }); setInterval(() => {}, 1000)");
await stokerAgent(1);
await stokerAgent(50);
await pm2Daemon([1, 50]);
rmSync(work, { recursive: true, force: true });
