import { describe, expect, it } from "vitest";
import { classifyExit, MAX_UNPROVEN_RECYCLES, nextState, policyRestarts } from "./lifecycle";

describe("classifyExit", () => {
  it("calls a clean exit after serving a recycle, which keeps the slot RUNNING", () => {
    const event = classifyExit({ state: "RUNNING", proven: true, unprovenRecycles: 0, code: 0, signal: null });
    expect(event).toBe("recycle");
    expect(nextState("RUNNING", event)).toBe("RUNNING");
  });

  it("calls any exit before the process was ready a failed start, even code 0", () => {
    expect(classifyExit({ state: "STARTING", proven: false, unprovenRecycles: 0, code: 0, signal: null })).toBe("start_failed");
    expect(nextState("STARTING", "start_failed")).toBe("BACKOFF");
    // A recycled slot's replacement that dies abnormally before it is ready: a failed start from RUNNING.
    expect(classifyExit({ state: "RUNNING", proven: false, unprovenRecycles: 0, code: 1, signal: null })).toBe("start_failed");
    expect(nextState("RUNNING", "start_failed")).toBe("BACKOFF");
  });

  it("lets a replacement that served its quota before its readiness check ended recycle, but only a few times in a row", () => {
    const facts = { state: "RUNNING" as const, proven: false, code: 0, signal: null };
    expect(classifyExit({ ...facts, unprovenRecycles: 0 })).toBe("recycle");
    expect(classifyExit({ ...facts, unprovenRecycles: MAX_UNPROVEN_RECYCLES - 1 })).toBe("recycle");
    // A program that exits 0 at once never proves itself: after a few quick tries, backoff.
    expect(classifyExit({ ...facts, unprovenRecycles: MAX_UNPROVEN_RECYCLES })).toBe("start_failed");
  });

  it("calls a non-zero code or a signal after serving an abnormal exit", () => {
    expect(classifyExit({ state: "RUNNING", proven: true, unprovenRecycles: 0, code: 255, signal: null })).toBe("exit");
    expect(classifyExit({ state: "RUNNING", proven: true, unprovenRecycles: 0, code: null, signal: "SIGKILL" })).toBe("exit");
    expect(nextState("RUNNING", "exit")).toBe("EXITED");
  });

  it("calls the exit of a process with no known status (adopted, not a child) after serving a recycle: replaced at once", () => {
    expect(classifyExit({ state: "RUNNING", proven: true, unprovenRecycles: 0, code: null, signal: null })).toBe("recycle");
  });

  it("calls an exit the agent asked for reaped, whatever the code", () => {
    expect(classifyExit({ state: "STOPPING", proven: true, unprovenRecycles: 0, code: 1, signal: null })).toBe("reaped");
  });
});

describe("policyRestarts", () => {
  it("restarts on-failure only for non-zero codes and signals", () => {
    expect(policyRestarts("on-failure", 0, null)).toBe(false);
    expect(policyRestarts("on-failure", 1, null)).toBe(true);
    expect(policyRestarts("always", 0, null)).toBe(true);
    expect(policyRestarts("never", 1, null)).toBe(false);
  });
});
