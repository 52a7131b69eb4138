import { describe, expect, it } from "vitest";
import type { AppStatus } from "../protocol";
import { StatusFanout } from "./status-fanout";

const status = (appId: string, state: "RUNNING" | "STARTING", pid = 100): AppStatus => ({
  appId,
  revision: 1,
  desired: "running",
  processes: [{ slot: 0, pid, state, startedAt: null, restarts: 0, generation: 1, cpuPercent: 0, rssBytes: 0, exitCode: null, lastOutput: "" }],
  socket: { address: "unix:/run/a.sock", state: "listening", owner: "", mode: "", detail: "" },
  lastError: "",
  runningRevision: 1,
  failedRevision: null,
  prematureErrors: 0,
});

function fanout() {
  const sent: { event: { hostId: string; status: AppStatus }; text: string }[] = [];
  const f = new StatusFanout((event, text) => sent.push({ event, text }), 5);
  return { f, sent };
}

describe("StatusFanout", () => {
  it("folds an app's frames within the window into one event carrying the latest status", async () => {
    const { f, sent } = fanout();
    f.add("h1", [status("a", "STARTING", 1)]);
    f.add("h1", [status("a", "RUNNING", 2)]);
    f.add("h1", [status("b", "RUNNING")]);
    expect(sent).toHaveLength(0); // not before the window ends
    await new Promise((r) => setTimeout(r, 30));
    expect(sent.map((s) => [s.event.status.appId, s.event.status.processes[0].pid])).toEqual([
      ["a", 2],
      ["b", 100],
    ]);
    expect(f.coalesced).toBe(1);
  });

  it("serialises each event once, as the browser receives it", () => {
    const { f, sent } = fanout();
    f.add("h1", [status("a", "RUNNING")]);
    f.flush();
    expect(JSON.parse(sent[0].text)).toEqual({ type: "app.status", hostId: "h1", status: status("a", "RUNNING") });
  });

  it("does not send a status equal to the last one sent, unless the agent just said hello", () => {
    const { f, sent } = fanout();
    f.add("h1", [status("a", "RUNNING"), status("b", "RUNNING")]);
    f.flush();
    // An agent reports all its apps when one changes: only the changed one reaches the browsers.
    f.add("h1", [status("a", "RUNNING"), status("b", "STARTING")]);
    f.flush();
    expect(sent.map((s) => s.event.status.appId)).toEqual(["a", "b", "b"]);
    f.add("h1", [status("a", "RUNNING")], true);
    f.flush();
    expect(sent.map((s) => s.event.status.appId)).toEqual(["a", "b", "b", "a"]);
  });
});
