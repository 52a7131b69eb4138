// An agent that detached (shutdown: its processes left running for the next agent) writes nothing
// more to the state file, which is the next agent's from then on. Here the next agent adopts the app
// and removes it; the processes the first one had started exit, and their exits must not bring the
// removed app back into the state file (they did: each exit was a change, and a change persists).
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readState } from "@/agent/supervisor/state-file";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema } from "@/lib/protocol";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/wait";
import { makeTempDir } from "./support/web-servers";

const FIXTURE = path.resolve("test/fixtures/flup-errors.fcgi");
const dir = makeTempDir("detached");
const stateDir = path.join(dir, "state");
const supervisors: Supervisor[] = [];
const open = () => {
  const s = new Supervisor({ stateDir, socketDirs: [dir], metrics: false });
  supervisors.push(s);
  return s;
};

afterAll(async () => {
  const last = supervisors.at(-1);
  await last?.execute({ op: "app.remove", appId: "py" }); // NOT_FOUND once the test removed it
  for (const s of supervisors) s.detachAll();
  rmSync(dir, { recursive: true, force: true });
});

describe("a detached supervisor", () => {
  it("does not write the state file after detachAll, not even when its processes exit", async () => {
    const spec = AppSpecSchema.parse({ name: "py", hostId: "h", command: ["/usr/bin/python3", FIXTURE], socket: { path: path.join(dir, "py.sock") }, processes: 2, ...RUN_AS });
    const first = open();
    const put = await first.put({ appId: "py", revision: 1, desired: "running", spec, rootApproved: true });
    expect(put.ok, JSON.stringify(put)).toBe(true);
    first.detachAll();

    const next = open();
    await next.adoptAll();
    expect(next.status().map((a) => a.processes.filter((p) => p.state === "RUNNING").length)).toEqual([2]);
    expect(await next.execute({ op: "app.remove", appId: "py" })).toMatchObject({ ok: true });
    // The next agent's own coalesced write (20 ms), however late a loaded machine runs it.
    await waitUntil(() => readState(path.join(stateDir, "state.json")).length === 0, 5000, "the removal in the state file", 20);

    // The first agent's children have exited meanwhile; give their exits time to be handled.
    await new Promise((r) => setTimeout(r, 1500));
    expect(readState(path.join(stateDir, "state.json")).map((a) => a.desired.appId)).toEqual([]);
  }, 60_000);
});
