// CPU and memory of a whole process tree: a worker's child that burns CPU and holds memory is
// counted in its slot's figures, which agree with top's within 10%.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { type AppStatus, AppSpecSchema } from "@/lib/protocol";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/stack";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-usage-"));
chmodSync(dir, 0o755);
// Statuses every second here (10 s by default), to see the process table's figures move without a transition.
const sup = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], usageRefreshMs: 1000 });
const heard: AppStatus[][] = [];
sup.listen({ status: (apps) => heard.push(apps), transition: () => {} });
afterAll(async () => {
  for (const id of [...sup.apps.keys()]) await sup.execute({ op: "app.remove", appId: id });
  sup.detachAll(); // or its last exits would rewrite state/ after the directory is gone
  rmSync(dir, { recursive: true, force: true });
});

// A master that forks a worker, whose own child burns CPU with 96 MiB in use: two levels down.
const BURNER = `
my $w = fork();
if ($w == 0) {
  my $b = fork();
  if ($b == 0) { my $mem = "x" x (96 * 1024 * 1024); 1 while 1; }
  sleep 1000 while 1;
}
sleep 1000 while 1;
`;

/** top's %CPU and RES (KiB) summed over `pids`, from its second sample (the first is since boot). */
function topSums(pids: number[], seconds: number): { cpu: number; rssBytes: number } {
  const r = spawnSync("top", ["-b", "-n", "2", "-d", String(seconds), "-p", pids.join(",")], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  const second = r.stdout.split(/^top - /m)[2] ?? "";
  let cpu = 0;
  let rss = 0;
  for (const line of second.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (!pids.includes(Number(f[0]))) continue;
    rss += toKiB(f[5] ?? "0");
    cpu += Number(f[8]);
  }
  return { cpu, rssBytes: rss * 1024 };
}

function toKiB(v: string): number {
  const m = /^([\d.]+)([mgt]?)$/.exec(v);
  if (!m) return 0;
  return Number(m[1]) * { "": 1, m: 1024, g: 1024 ** 2, t: 1024 ** 3 }[m[2] as "" | "m" | "g" | "t"];
}

describe("process tree usage", () => {
  it("counts a worker's CPU-burning child in its slot's CPU and RSS, within 10% of top", async () => {
    const spec = AppSpecSchema.parse({
      name: "burner",
      hostId: "h",
      command: ["/usr/bin/perl", "-e", BURNER.replace(/\n/g, " ")],
      socket: { path: path.join(dir, "burner.sock") },
      ...RUN_AS,
      ready: { probe: "none" },
    });
    const put = await sup.put({ appId: "burner", revision: 1, desired: "running", spec, rootApproved: true });
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const runner = sup.apps.get("burner")!;
    const pids = await waitUntil(async () => (runner.cgroup.pids().length === 3 ? runner.cgroup.pids() : null), 10_000, "3 processes");
    await new Promise((r) => setTimeout(r, 1500)); // the 96 MiB are in place
    runner.processes(); // starts the CPU sample
    const top = topSums(pids, 3);
    const ours = runner.processes()[0]!;
    // Without the tree, the master alone shows ~0% and a few MiB.
    expect(top.cpu).toBeGreaterThan(5);
    expect(Math.abs(ours.cpuPercent - top.cpu) / top.cpu, `ours ${ours.cpuPercent}% vs top ${top.cpu}%`).toBeLessThan(0.1);
    expect(Math.abs(ours.rssBytes - top.rssBytes) / top.rssBytes, `ours ${ours.rssBytes} vs top ${top.rssBytes}`).toBeLessThan(0.1);
    expect(ours.rssBytes).toBeGreaterThan(96 * 1024 * 1024);
  });

  it("reports the busy tree's CPU and RSS to the control plane while nothing else changes", async () => {
    // The process table (GET /apps/ID, the dashboard) shows what the last status said: sent only on
    // transitions, a burner read 0% and its start-time RSS for as long as it ran.
    const latest = () => heard.at(-1)?.find((a) => a.appId === "burner")?.processes[0];
    const fresh = await waitUntil(async () => {
      const p = latest();
      return p && p.cpuPercent > 5 && p.rssBytes > 96 * 1024 * 1024 ? p : null;
    }, 10_000, "a status with the burner's CPU and RSS");
    expect(fresh.state).toBe("RUNNING");
  });
});
