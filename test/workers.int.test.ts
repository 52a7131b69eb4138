// Workers beside an app's FastCGI processes, for real: supervised by the agent's Supervisor with the
// app's restart policy, in its timeline, taken back after an agent restart, replaced on a spec change.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp, eventKindOf, type ProcessTransition } from "@/lib/protocol";
import { appSpecFor } from "./support/fixture-apps";
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
  });
});
