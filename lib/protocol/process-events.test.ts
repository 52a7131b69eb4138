import { describe, expect, it } from "vitest";
import { eventKindOf } from "./process-events";
import { ProcessTransitionSchema } from "./agent-messages";

describe("eventKindOf", () => {
  it("reads each transition an agent makes as the event people know", () => {
    expect(eventKindOf({ from: "STOPPED", to: "STARTING", detail: "" })).toBe("start");
    expect(eventKindOf({ from: "STARTING", to: "RUNNING", detail: "" })).toBe("ready");
    expect(eventKindOf({ from: "RUNNING", to: "EXITED", detail: "signal SIGKILL\nlast output:\nboom" })).toBe("exit");
    expect(eventKindOf({ from: "EXITED", to: "STARTING", detail: "" })).toBe("restart");
    expect(eventKindOf({ from: "BACKOFF", to: "STARTING", detail: "" })).toBe("restart");
    expect(eventKindOf({ from: "BACKOFF", to: "FATAL", detail: "6 exits within 60000 ms" })).toBe("fatal");
    expect(eventKindOf({ from: "RUNNING", to: "EXITED", detail: "recycle: code 0 after serving" })).toBe("recycle");
    expect(eventKindOf({ from: "RUNNING", to: "STOPPING", detail: "" })).toBe("stop");
    expect(eventKindOf({ from: "STOPPING", to: "STOPPED", detail: "exited (code 0)" })).toBe("stopped");
  });

  it("makes one adopt event of an adopted process's two steps", () => {
    expect(eventKindOf({ from: "STOPPED", to: "STARTING", detail: "adopted" })).toBeNull();
    expect(eventKindOf({ from: "STARTING", to: "RUNNING", detail: "adopted" })).toBe("adopt");
  });

  it("lets the agent name the kind itself", () => {
    expect(eventKindOf({ from: "RUNNING", to: "EXITED", detail: "code 0", kind: "recycle" })).toBe("recycle");
  });
});

describe("a transition's time", () => {
  const base = { appId: "a", slot: 0, pid: 1, from: "STARTING", to: "RUNNING" } as const;
  it("is an ISO time, as the agent writes it (any offset)", () => {
    expect(ProcessTransitionSchema.safeParse({ ...base, at: new Date().toISOString() }).success).toBe(true);
    expect(ProcessTransitionSchema.safeParse({ ...base, at: "2026-12-06T05:00:00.123+01:00" }).success).toBe(true);
  });
  it("refuses what no database could store (it would fail its whole write batch, again and again)", () => {
    for (const at of ["garbage", "", "2026-13-45T99:00:00Z", "1e9"]) expect(ProcessTransitionSchema.safeParse({ ...base, at }).success, at).toBe(false);
  });
});
