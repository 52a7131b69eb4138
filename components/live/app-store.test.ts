import { describe, expect, it } from "vitest";
import type { AppView, UiEvent } from "@/lib/protocol/ui-messages";
import { appStore } from "./app-store";

const app = (id: string, hostId: string): AppView =>
  ({ id, name: id, revision: 1, runningRevision: 1, failedRevision: null, desired: "running", host: { id: hostId, name: hostId, online: true }, processes: [], socket: null, lastError: "", spec: {} }) as unknown as AppView;
const status = (appId: string, pid: number): UiEvent => ({
  type: "app.status",
  hostId: "h1",
  status: {
    appId,
    revision: 1,
    desired: "running",
    processes: [{ slot: 0, pid, state: "RUNNING", startedAt: null, restarts: 0, generation: 1, cpuPercent: 0, rssBytes: 0, exitCode: null, lastOutput: "" }],
    socket: { address: "unix:/x.sock", state: "listening", owner: "", mode: "", detail: "" },
    lastError: "",
    runningRevision: 1,
    failedRevision: null,
    prematureErrors: 0,
  },
});

describe("the dashboard's app store", () => {
  it("applies a status event to that app alone and wakes only its rows", () => {
    appStore.put([app("a1", "h1"), app("a2", "h1"), app("a3", "h2")]);
    const woken: string[] = [];
    const offs = ["a1", "a2", "a3"].map((id) => appStore.subscribe(id, () => woken.push(id)));
    const before = appStore.get("a2");
    appStore.apply(status("a1", 4242));
    expect(woken).toEqual(["a1"]);
    expect(appStore.get("a1")?.processes[0]?.pid).toBe(4242);
    expect(appStore.get("a2")).toBe(before); // untouched, same object: its row does not render
    appStore.apply(status("not-loaded", 1)); // an app no page brought: ignored
    expect(woken).toEqual(["a1"]);
    appStore.apply({ type: "host.status", host: { id: "h2", name: "h2", online: false, lastSeenAt: null, facts: {} } });
    expect(woken).toEqual(["a1", "a3"]);
    expect(appStore.get("a3")?.host.online).toBe(false);
    for (const off of offs) off();
  });
});
