// Workers beside an app's FastCGI processes, for real: supervised by the agent's Supervisor with the
// app's restart policy, in its timeline, taken back after an agent restart, replaced on a spec change
// and restarted in the new release after a deployment's switch.
import { readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { makeGitRepo } from "@/agent/deploy/testing/git-fixture";
import { AppSpecSchema, type DeployProgress, type DesiredApp, eventKindOf, type ProcessTransition } from "@/lib/protocol";
import { appSpecFor, RUN_AS } from "./support/fixture-apps";
import { childPids } from "./support/procs";
import { scratchPerTest } from "./support/scratch";
import { stopKeeper, waitUntil } from "./support/stack";

const { dir, cleanups } = scratchPerTest("stoker-workers-");
let n = 0;
const LOOP = ["/bin/sh", "-c", 'echo "worker $$ up"; while :; do sleep 1; done'];

function desired(extra: Record<string, unknown>, revision = 1): DesiredApp {
  const sock = path.join(dir, `w-${n}.sock`);
  const spec = AppSpecSchema.parse({ ...appSpecFor("node", sock), name: `w-${n}`, ...extra });
  return { appId: spec.name, revision, desired: "running", spec, rootApproved: true };
}

/** LOOP workers this test process started that still run (a leak outlives the test, orphaned). */
function loopsRunning(): number[] {
  return childPids(process.pid).filter((pid) => {
    try {
      return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, "latin1").startsWith(`${LOOP.slice(0, 2).join("\0")}\0`);
    } catch {
      return false;
    }
  });
}

function supervisorAt(stateDir: string) {
  const supervisor = new Supervisor({ stateDir, socketDirs: [dir], metrics: false });
  const transitions: ProcessTransition[] = [];
  supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
  return { supervisor, transitions };
}

describe("workers", () => {
  it("restarts a worker killed with SIGKILL and shows it in the app's events", async () => {
    n++;
    const stateDir = path.join(dir, `state-${n}`);
    const { supervisor, transitions } = supervisorAt(stateDir);
    const app = desired({ workers: [{ name: "queue", command: LOOP, count: 2 }] });
    cleanups.push(async () => {
      await supervisor.execute({ op: "app.remove", appId: app.appId });
    });
    const put = await supervisor.put(app);
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const runner = supervisor.apps.get(app.appId)!;
    const workers = runner.workers.status();
    expect(workers.map((w) => [w.name, w.index, w.state])).toEqual([
      ["queue", 0, "RUNNING"],
      ["queue", 1, "RUNNING"],
    ]);
    const victim = workers[0].pid;
    process.kill(victim, "SIGKILL");
    const back = await waitUntil(async () => {
      const w = runner.workers.status()[0];
      return w.state === "RUNNING" && w.pid !== victim && w.pid > 0 ? w : null;
    }, 15_000, "the killed worker's replacement");
    expect(back.restarts).toBe(1);
    expect(runner.workers.status()[1].pid).toBe(workers[1].pid); // the other instance was left alone
    const exit = transitions.find((t) => t.pid === victim && t.to === "EXITED");
    expect(exit?.worker).toBe("queue");
    expect(exit?.detail).toMatch(/^worker queue#0: .*SIGKILL/);
    expect(exit && eventKindOf(exit)).toBe("exit");
    const restart = transitions.find((t) => t.pid === back.pid && t.to === "STARTING");
    expect(restart && eventKindOf(restart)).toBe("restart");
    // The worker's output went to the app's log with its pid.
    await runner.sink.settled();
    const logged = await supervisor.execute({ op: "logs.tail", appId: app.appId, limit: 100 });
    expect(JSON.stringify(logged)).toContain(`worker ${back.pid} up`);
  });

  it("is taken back by a restarted agent, and replaced when its command changes", async () => {
    n++;
    const stateDir = path.join(dir, `state-${n}`);
    const first = supervisorAt(stateDir);
    const app = desired({ workers: [{ name: "mailer", command: LOOP, count: 1 }] });
    const put = await first.supervisor.put(app);
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const pid = first.supervisor.apps.get(app.appId)!.workers.status()[0].pid;
    first.supervisor.detachAll();
    const reported = first.transitions.length;
    stopKeeper(stateDir);

    const second = supervisorAt(stateDir);
    cleanups.push(async () => {
      await second.supervisor.execute({ op: "app.remove", appId: app.appId });
    });
    await second.supervisor.adoptAll();
    const runner = second.supervisor.apps.get(app.appId)!;
    expect(runner.workers.status().map((w) => [w.pid, w.state])).toEqual([[pid, "RUNNING"]]); // not a second copy

    const changed = desired({ workers: [{ name: "mailer", command: [...LOOP.slice(0, 2), `${LOOP[2]} # v2`], count: 1 }] }, 2);
    const put2 = await second.supervisor.put(changed);
    expect(put2.ok, JSON.stringify(put2)).toBe(true);
    const now = runner.workers.status()[0];
    expect(now.pid).not.toBe(pid);
    expect(now.state).toBe("RUNNING");
    await waitUntil(async () => !isAlive(pid), 10_000, "the old worker to stop");

    // The old worker is still the first Supervisor's child: detached, it must not replace it (it
    // did, 500 ms later, with the v1 command: a worker nobody named, left running after the test).
    await second.supervisor.execute({ op: "app.remove", appId: app.appId });
    await new Promise((r) => setTimeout(r, 3 * app.spec.restart.backoffMs));
    expect(first.transitions.slice(reported)).toEqual([]);
    expect(loopsRunning()).toEqual([]);
  });

  it("restarts the workers in the new release after a deployment's switch", async () => {
    n++;
    const repo = makeGitRepo(path.join(dir, `repo-${n}`));
    for (const v of ["v1", "v2"]) repo.commit({ "index.php": "<?php echo 'ok';\n", VERSION: v }, `version ${v}`, v);
    const { supervisor, transitions } = supervisorAt(path.join(dir, `state-${n}`));
    const progress: DeployProgress[] = [];
    supervisor.rooms.setDeploySender({ progress: (m) => progress.push(m), output: () => {} });
    const spec = AppSpecSchema.parse({
      name: `w-${n}`,
      hostId: "h",
      command: ["/usr/bin/php-cgi"],
      cwd: "{release}",
      socket: { path: path.join(dir, `w-${n}.sock`) },
      ...RUN_AS,
      fastcgiParams: { SCRIPT_FILENAME: "{release}/index.php" },
      workers: [{ name: "queue", command: ["/bin/sh", "-c", 'echo "queue in $(cat VERSION)"; exec sleep 600'], count: 1 }],
      deploy: { root: path.join(dir, `srv-${n}`), source: { git: repo.bare, ref: "main" } },
    });
    const app: DesiredApp = { appId: spec.name, revision: 1, desired: "running", spec, rootApproved: true };
    cleanups.push(async () => {
      await supervisor.execute({ op: "app.remove", appId: app.appId });
    });
    expect((await supervisor.put(app)).ok).toBe(true);
    const runner = supervisor.apps.get(app.appId)!;
    const deploy = async (ref: string) => {
      const id = `d-${ref}`;
      const r = await supervisor.execute({ op: "deploy.run", appId: app.appId, deploymentId: id, ref });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const end = await waitUntil(async () => progress.find((p) => p.deploymentId === id && p.deployment.status !== "running") ?? null, 60_000, `deployment of ${ref}`);
      expect(end.deployment.status, end.deployment.message).toBe("succeeded");
      return end.deployment.release;
    };
    const v1 = await deploy("v1");
    const first = await waitUntil(async () => runner.workers.status().find((w) => w.state === "RUNNING") ?? null, 15_000, "the worker in v1");
    expect(readlinkSync(`/proc/${first.pid}/cwd`)).toMatch(new RegExp(`/${v1}$`));

    const v2 = await deploy("v2");
    expect(v2).not.toBe(v1);
    const second = runner.workers.status()[0]; // restarted before the deployment reported its end
    expect(second.state).toBe("RUNNING");
    expect(second.pid).not.toBe(first.pid);
    expect(readlinkSync(`/proc/${second.pid}/cwd`)).toMatch(new RegExp(`/${v2}$`));
    await waitUntil(async () => !isAlive(first.pid), 10_000, "the v1 worker to stop");
    expect(transitions.some((t) => t.worker === "queue" && t.pid === first.pid && t.to === "STOPPED")).toBe(true);
    await runner.sink.settled();
    const logged = JSON.stringify(await supervisor.execute({ op: "logs.tail", appId: app.appId, limit: 200 }));
    expect(logged).toContain("queue in v1");
    expect(logged).toContain("queue in v2");
  });
});
