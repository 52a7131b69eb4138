// A process that exited while no agent ran (a host reboot, or a recycle during the log keeper's
// handback) still gets its exit in the app's timeline when the next agent takes over: once, not
// again when the log keeper already reported it.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp, type ProcessTransition } from "@/lib/protocol";
import { appSpecFor, RUN_AS } from "./support/fixture-apps";
import { stopKeeper, waitUntil } from "./support/stack";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-adoption-exits-"));
chmodSync(dir, 0o755);
const stateDir = path.join(dir, "state");
let last: Supervisor | null = null;
afterAll(async () => {
  if (last) for (const id of [...last.apps.keys()]) await last.execute({ op: "app.remove", appId: id });
  last?.detachAll(); // its last state write now, not after the directory is gone (it was left behind)
  rmSync(dir, { recursive: true, force: true });
});

const desired = (name: string): DesiredApp => ({
  appId: name,
  revision: 1,
  desired: "running",
  spec: AppSpecSchema.parse({ ...RUN_AS, ...appSpecFor("perl", path.join(dir, `${name}.sock`), { name, processes: 2 }) }),
  rootApproved: true,
});

describe("adoption after the agent was away", () => {
  it("records the exit of each saved process found gone, unless the log keeper reported it", async () => {
    const first = new Supervisor({ stateDir, socketDirs: [dir] });
    for (const name of ["quiet", "kept"]) expect((await first.put(desired(name))).ok).toBe(true);
    const pidsOf = (s: Supervisor, app: string) => s.apps.get(app)!.processes().map((p) => p.pid);
    const [goneQuiet, stayQuiet] = pidsOf(first, "quiet");
    const [goneKept] = pidsOf(first, "kept");
    first.detachAll();
    // A dead agent writes nothing more: this one lives on in the test process, and would otherwise
    // see its children's exits below and save the state file before the next agent reads it.
    first.persist = () => {};
    stopKeeper(stateDir);
    for (const pid of [goneQuiet, goneKept]) process.kill(pid, "SIGKILL");
    await waitUntil(async () => (!isAlive(goneQuiet) && !isAlive(goneKept) ? true : null), 10_000, "the killed processes gone");

    const next = new Supervisor({ stateDir, socketDirs: [dir] });
    last = next;
    const seen: ProcessTransition[] = [];
    next.listen({ status: () => {}, transition: (t) => seen.push(t) });
    // What the log keeper hands back: it saw "kept"'s process exit.
    const at = new Date().toISOString();
    next.reportPast([{ appId: "kept", slot: 0, pid: goneKept, from: "RUNNING", to: "EXITED", at, detail: "exited while the agent was away" }]);
    await next.adoptAll();

    const exitsOf = (pid: number) => seen.filter((t) => t.pid === pid && t.to === "EXITED");
    expect(exitsOf(goneQuiet)).toHaveLength(1);
    expect(exitsOf(goneQuiet)[0]).toMatchObject({ appId: "quiet", kind: "exit" });
    expect(exitsOf(goneQuiet)[0].detail).toContain("found gone");
    expect(exitsOf(goneKept)).toHaveLength(1); // the keeper's report only
    expect(exitsOf(stayQuiet)).toHaveLength(0); // adopted, not exited
    // Both apps are whole again: the dead slots were started anew.
    await waitUntil(async () => (next.apps.get("quiet")!.processes().every((p) => p.state === "RUNNING") ? true : null), 15_000, "quiet running");
    expect(pidsOf(next, "quiet")).toContain(stayQuiet);
    expect(pidsOf(next, "quiet")).not.toContain(goneQuiet);
  });
});
