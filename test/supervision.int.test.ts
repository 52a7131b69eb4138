// Supervision for real: each fixture app (php-cgi, Flask under uWSGI, a Perl .fcgi, node-fastcgi)
// run by the agent's Supervisor on an agent-owned socket behind a real nginx, restarted under load.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp, type ProcessTransition } from "@/lib/protocol";
import { appSpecFor, FIXTURE_APPS, FIXTURE_LANG, parseAnswer, RUN_AS } from "./support/fixture-apps";
import { answeredSince, runLoad, startLoad } from "./support/load";
import { type NginxFront, startNginxFront } from "./support/nginx-front";
import { scratchPerTest } from "./support/scratch";
import { stopKeeper, waitUntil } from "./support/stack";

const { dir, cleanups } = scratchPerTest("stoker-supervision-");
let n = 0;

function desired(spec: unknown, revision = 1): DesiredApp {
  const parsed = AppSpecSchema.parse(spec);
  return { appId: parsed.name, revision, desired: "running", spec: parsed, rootApproved: true };
}

async function runApp(specInput: Record<string, unknown>) {
  const stateDir = path.join(dir, `state-${++n}`);
  const supervisor = new Supervisor({ stateDir, socketDirs: [dir] });
  const transitions: ProcessTransition[] = [];
  supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
  const app = desired(specInput);
  const put = await supervisor.put(app);
  cleanups.push(async () => {
    await supervisor.execute({ op: "app.remove", appId: app.appId });
  });
  return { supervisor, app, put, transitions, stateDir };
}

async function front(socketPath: string, params: Record<string, string> = {}): Promise<NginxFront> {
  const nginx = await startNginxFront({ socket: `unix:${socketPath}`, params });
  cleanups.push(() => nginx.stop());
  return nginx;
}

describe.each(FIXTURE_APPS)("%s behind nginx", (name) => {
  it("serves requests, and a whole-app restart under load fails none of them", async () => {
    const sock = path.join(dir, `${name}-${++n}.sock`);
    const spec = { ...appSpecFor(name, sock, { version: "v1" }), name: `fx-${name}`, processes: 3, socket: { path: sock, group: "www-data", mode: "0660" } };
    const { supervisor, put, app } = await runApp(spec);
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const nginx = await front(sock, spec.fastcgiParams);

    const warm = await runLoad({ url: `${nginx.url}/hello`, concurrency: 4, durationMs: 5000, maxRequests: 20 });
    expect(warm.failed, warm.errors.join()).toBe(0);
    const answer = parseAnswer(warm.bodies[0] ?? "");
    expect(answer?.lang).toBe(FIXTURE_LANG[name]);

    const oldPids = supervisor.apps.get(app.appId)!.processes().map((p) => p.pid);
    const load = startLoad({ url: `${nginx.url}/hello`, concurrency: 16, durationMs: 60_000 }); // stopped below, once it has served past the restart
    await new Promise((r) => setTimeout(r, 800));
    await answeredSince(load, 0, "before the restart", 25);
    const restarted = await supervisor.execute({ op: "app.restart", appId: app.appId });
    expect(restarted.ok, JSON.stringify(restarted)).toBe(true);
    const mark = load.answers().total;
    await new Promise((r) => setTimeout(r, 800));
    await answeredSince(load, mark, "after the restart", 25); // the new processes serve the load
    const result = await load.stop();
    expect(result.failed, `${name}: ${result.failed} failed: ${result.errors.join(", ")}; statuses ${JSON.stringify(result.statuses)}; nginx: ${nginx.readErrorLog().split("\n").filter((l) => l.includes("[error]")).slice(0, 3).join(" | ")}`).toBe(0);
    const newPids = supervisor.apps.get(app.appId)!.processes().map((p) => p.pid);
    expect(newPids).toHaveLength(3);
    for (const pid of newPids) expect(oldPids).not.toContain(pid);
    for (const pid of oldPids) await waitUntil(async () => !isAlive(pid), 10_000, `old pid ${pid} to exit`);
  });
});

describe("crash handling", () => {
  it("backs off between restarts and ends in FATAL with the last output, never a tight loop", async () => {
    const sock = path.join(dir, `crash-${++n}.sock`);
    const spec = { ...appSpecFor("php", sock, { crashOnStart: true }), name: "crashy", processes: 1, restart: { backoffMs: 100, maxBackoffMs: 2000, maxRestarts: 3, windowMs: 60_000 }, ready: { probe: "fastcgi", timeoutMs: 3000 } };
    const { supervisor, transitions } = await runApp(spec);
    await waitUntil(async () => transitions.some((t) => t.to === "FATAL"), 20_000, "FATAL");
    const starts = transitions.filter((t) => t.to === "STARTING");
    expect(starts.length).toBe(4); // the first start + maxRestarts retries, then it gives up
    // Each start names the process it started: a new pid every time, never 0.
    expect(starts.every((t) => t.pid > 0) && new Set(starts.map((t) => t.pid)).size === 4).toBe(true);
    expect(transitions.filter((t) => t.to === "BACKOFF").length).toBe(4);
    // Backoff doubles: the wait from each BACKOFF to the next start is at least 100, 200, 400 ms.
    // Measured from the exit, not start to start, which would add how long php-cgi takes to crash
    // (on a loaded machine that varies by seconds and hides what the agent does).
    const backoffs = transitions.filter((t) => t.to === "BACKOFF");
    const waits = starts.slice(1).map((t, i) => Date.parse(t.at) - Date.parse(backoffs[i].at));
    for (const [i, w] of waits.entries()) expect(w, `wait ${i + 1} of ${waits.join(", ")} ms`).toBeGreaterThanOrEqual(100 * 2 ** i - 5);
    const info = supervisor.apps.get("crashy")!.processes()[0];
    expect(info.state).toBe("FATAL");
    expect(info.lastOutput).toContain("crash");
  });
});

describe("bind: app", () => {
  it("runs one php-cgi that binds its own socket (-b) and waits until it is connectable", async () => {
    const sock = path.join(dir, `bound-${++n}.sock`);
    const spec = {
      name: "bound",
      hostId: "h",
      command: ["/usr/bin/php-cgi", "-b", sock],
      env: { PHP_FCGI_CHILDREN: "2" },
      fastcgiParams: { SCRIPT_FILENAME: path.resolve("examples/apps/php/index.php") },
      socket: { path: sock, bind: "app" },
      ...RUN_AS,
    };
    const { put, supervisor } = await runApp(spec);
    expect(put.ok, JSON.stringify(put)).toBe(true);
    expect(supervisor.apps.get("bound")!.processes()).toHaveLength(1);
    chmodSync(sock, 0o666); // php-cgi creates it with its umask; nginx's workers must reach it
    const nginx = await front(sock, spec.fastcgiParams);
    const r = await runLoad({ url: `${nginx.url}/x`, concurrency: 2, durationMs: 5000, maxRequests: 10 });
    expect(r.failed, r.errors.join()).toBe(0);
    expect(parseAnswer(r.bodies[0] ?? "")?.lang).toBe("php");
  });
});

describe("running as another user", () => {
  it("drops to www-data with HOME, USER and LOGNAME of www-data", async () => {
    const sock = path.join(dir, `user-${++n}.sock`);
    const spec = { ...appSpecFor("node", sock), name: "as-www", user: "www-data", cwd: "/tmp" };
    const { supervisor, put } = await runApp(spec);
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const pid = supervisor.apps.get("as-www")!.processes()[0].pid;
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+33\s+33/m);
    const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    expect(env).toEqual(expect.arrayContaining(["HOME=/var/www", "USER=www-data", "LOGNAME=www-data"]));
    expect(env.some((e) => e.startsWith("STOKER_") || e.startsWith("VITEST"))).toBe(false); // not the agent's own env
  });

  it("refuses an unknown user with a field error", async () => {
    const sup = new Supervisor({ stateDir: path.join(dir, `state-${++n}`), socketDirs: [dir] });
    const r = await sup.execute({ op: "app.validate", rootApproved: true, spec: AppSpecSchema.parse({ ...appSpecFor("node", path.join(dir, "x.sock")), user: "no-such-user" }) });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toContain('"path":"user"');
  });

  it("refuses a socket outside the allowed directories", async () => {
    const sup = new Supervisor({ stateDir: path.join(dir, `state-${++n}`), socketDirs: [dir] });
    const r = await sup.execute({ op: "app.validate", rootApproved: true, spec: AppSpecSchema.parse(appSpecFor("node", "/etc/evil.sock")) });
    expect(JSON.stringify(r)).toContain('"path":"socket.path"');
  });
});

describe("agent restart", () => {
  it("SIGKILL of the agent under load fails no request, and the new agent adopts the same processes", async () => {
    const sock = path.join(dir, `adopt-${++n}.sock`);
    const stateDir = path.join(dir, `agent-${n}`);
    // Perl: its processes live as long as the agent is away. php-cgi at its defaults recycles every
    // 500 requests, so under this load its pids would change with or without an agent restart.
    const spec = { ...appSpecFor("perl", sock), name: "adoptee", processes: 3, socket: { path: sock, group: "www-data", mode: "0660" } };
    const configFile = path.join(dir, `apps-${n}.json`);
    writeFileSync(configFile, JSON.stringify({ apps: [spec] }));
    const startAgent = () =>
      spawn(process.execPath, ["--import", "tsx", "agent/main.ts", "--config", configFile, "--state-dir", stateDir, "--socket-dirs", dir], { stdio: "ignore" });
    const ctl = () => {
      const r = spawnSync(process.execPath, ["--import", "tsx", "agent/main.ts", "ctl", "status", "--state-dir", stateDir], { encoding: "utf8" });
      try {
        return (JSON.parse(r.stdout) as { value: { processes: { pid: number; state: string }[] }[] }).value[0]?.processes ?? [];
      } catch {
        return [];
      }
    };
    let agent = startAgent();
    cleanups.push(() => {
      agent.kill("SIGKILL");
      stopKeeper(stateDir); // before the processes: with no agent, the keeper replaces any that exits
      for (const p of ctlPids) {
        try {
          process.kill(-p, "SIGKILL");
        } catch {
          // gone
        }
      }
    });
    const ctlPids: number[] = [];
    const before = await waitUntil(async () => {
      const ps = ctl();
      return ps.length === 3 && ps.every((p) => p.state === "RUNNING") ? ps : null;
    }, 30_000, "3 RUNNING processes");
    ctlPids.push(...before.map((p) => p.pid));
    const nginx = await front(sock, spec.fastcgiParams);
    const load = startLoad({ url: `${nginx.url}/x`, concurrency: 16, durationMs: 20_000 });
    await new Promise((r) => setTimeout(r, 700));
    agent.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 700));
    for (const p of before) expect(isAlive(p.pid)).toBe(true); // not children that die with the agent
    agent = startAgent();
    const after = await waitUntil(async () => {
      const ps = ctl();
      return ps.length === 3 && ps.every((p) => p.state === "RUNNING") ? ps : null;
    }, 30_000, "adoption");
    await new Promise((r) => setTimeout(r, 500));
    const result = await load.stop();
    expect(result.failed, `${result.errors.join(", ")} ${JSON.stringify(result.statuses)}`).toBe(0);
    expect(after.map((p) => p.pid).sort()).toEqual(before.map((p) => p.pid).sort()); // adopted, not duplicated
    // The adopted processes still serve, through the same socket.
    const check = await runLoad({ url: `${nginx.url}/x`, concurrency: 2, durationMs: 5000, maxRequests: 10 });
    expect(check.failed).toBe(0);
    // And the new agent can still restart them with zero failures (it took the socket back).
    const restart = spawnSync(process.execPath, ["--import", "tsx", "agent/main.ts", "ctl", "restart", "adoptee", "--state-dir", stateDir], { encoding: "utf8" });
    expect(restart.status, restart.stdout + restart.stderr).toBe(0);
    const restartedPids = (JSON.parse(restart.stdout) as { value: { pid: number }[] }).value.map((p) => p.pid);
    ctlPids.push(...restartedPids);
    for (const pid of restartedPids) expect(before.map((p) => p.pid)).not.toContain(pid);
  });
});
