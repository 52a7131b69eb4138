// Desired vs running revision: a saved revision that fails to apply leaves the running one serving,
// is shown as failed, and never becomes live by surprise: not on a resync, not when the agent
// restarts. A retry applies it again; a revert saves the running spec as a new revision, in place.
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp } from "@/lib/protocol";
import { appSpecFor, RUN_AS } from "./support/fixture-apps";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-revisions-"));
chmodSync(dir, 0o755);
const stateDir = path.join(dir, "state");
const supervisors: Supervisor[] = [];
afterAll(async () => {
  const last = supervisors.at(-1);
  if (last) for (const id of [...last.apps.keys()]) await last.execute({ op: "app.remove", appId: id });
  rmSync(dir, { recursive: true, force: true });
});

const sock = path.join(dir, "rev.sock");
const good = appSpecFor("perl", sock, { name: "rev", processes: 2 });
const broken = appSpecFor("perl", sock, { name: "rev", processes: 2, crashOnStart: true });
const desired = (spec: object, revision: number): DesiredApp => ({ appId: "rev", revision, desired: "running", spec: AppSpecSchema.parse({ ...RUN_AS, ...spec }), rootApproved: true });

function agent(): Supervisor {
  const s = new Supervisor({ stateDir, socketDirs: [dir] });
  supervisors.push(s);
  return s;
}

describe("a saved revision that fails to apply", () => {
  it("keeps the running revision, shows both, survives an agent restart and a resync unapplied, then retry and revert", async () => {
    let sup = agent();
    expect((await sup.put(desired(good, 1))).ok).toBe(true);
    const pids = () => sup.apps.get("rev")!.processes().map((p) => p.pid).sort();
    const running = pids();

    const put2 = await sup.put(desired(broken, 2));
    expect(put2.ok).toBe(false);
    expect(pids()).toEqual(running);
    expect(sup.status()[0]).toMatchObject({ revision: 2, runningRevision: 1, failedRevision: 2 });
    expect(sup.status()[0]!.lastError).not.toBe("");
    // The doctor looks at the revision that fails, not the one that works.
    const doctor = await sup.execute({ op: "app.doctor", appId: "rev", allowRoot: true });
    expect(doctor.ok).toBe(true);
    const byHand = await sup.execute({ op: "app.run-by-hand", appId: "rev", allowRoot: true });
    expect(JSON.stringify(byHand)).toContain("CRASH_ON_START=1: this fixture refuses to start");

    // The agent restarts: revision 1 is adopted, revision 2 is not made live.
    sup.detachAll();
    sup = agent();
    await sup.adoptAll();
    expect(pids()).toEqual(running);
    expect(sup.status()[0]).toMatchObject({ revision: 2, runningRevision: 1, failedRevision: 2 });
    // The control plane resyncs after the reconnect: still not applied by surprise.
    await sup.sync([desired(broken, 2)]);
    expect(pids()).toEqual(running);
    expect(sup.status()[0]).toMatchObject({ runningRevision: 1, failedRevision: 2 });

    // Retry: applied again, fails again, the running revision keeps serving.
    const retried = await sup.execute({ op: "app.retry", appId: "rev" });
    expect(retried.ok).toBe(false);
    expect(pids()).toEqual(running);

    // Revert: the running spec comes back as revision 3, with no restart.
    const spec = await sup.execute({ op: "app.running-spec", appId: "rev" });
    expect(spec.ok).toBe(true);
    const back = (spec as { value: { revision: number; spec: object } }).value;
    expect(back.revision).toBe(1);
    expect((await sup.put(desired(back.spec, 3))).ok).toBe(true);
    expect(pids()).toEqual(running);
    expect(sup.status()[0]).toMatchObject({ revision: 3, runningRevision: 3, failedRevision: null, lastError: "" });
    await sup.execute({ op: "app.remove", appId: "rev" });
  });

  it("a first revision that could not start is applied once a start brings it up (the page said nothing runs over running processes)", async () => {
    const sup = new Supervisor({ stateDir: path.join(dir, "state-late"), socketDirs: [dir] });
    supervisors.push(sup);
    // Its script is not executable yet (a deploy that forgot chmod +x): every start fails, FATAL.
    const script = path.join(dir, "late.fcgi");
    copyFileSync(good.command[0] as string, script);
    chmodSync(script, 0o644);
    const late = desired({ ...good, name: "late", command: [script], socket: { path: path.join(dir, "late.sock") } }, 1);
    const first = await sup.put({ ...late, appId: "late" });
    expect(first.ok).toBe(false);
    expect(sup.status().find((a) => a.appId === "late")).toMatchObject({ runningRevision: null, failedRevision: 1 });

    const states = () => sup.status().find((a) => a.appId === "late")?.processes.map((p) => p.state);
    for (let i = 0; i < 300 && !states()?.every((s) => s === "FATAL"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(states()).toEqual(["FATAL", "FATAL"]);

    chmodSync(script, 0o755);
    const started = await sup.execute({ op: "app.start", appId: "late" });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const st = sup.status().find((a) => a.appId === "late");
    expect(st?.processes.filter((p) => p.state === "RUNNING"), JSON.stringify(st)).toHaveLength(2);
    expect(st).toMatchObject({ revision: 1, runningRevision: 1, failedRevision: null, lastError: "" });
    await sup.execute({ op: "app.remove", appId: "late" });
  });
});
