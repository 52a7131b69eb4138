import { describe, expect, it } from "vitest";
import { classifyExit, nextState, policyRestarts } from "./lifecycle";

describe("classifyExit", () => {
  it("calls a clean exit after serving a recycle, which keeps the slot RUNNING", () => {
    const event = classifyExit({ state: "RUNNING", proven: true, code: 0, signal: null });
    expect(event).toBe("recycle");
    expect(nextState("RUNNING", event)).toBe("RUNNING");
  });

  it("calls any exit before the process was ready a failed start, even code 0", () => {
    expect(classifyExit({ state: "STARTING", proven: false, code: 0, signal: null })).toBe("start_failed");
    expect(nextState("STARTING", "start_failed")).toBe("BACKOFF");
    // A recycled slot's replacement that dies before it is ready: a failed start from RUNNING.
    expect(classifyExit({ state: "RUNNING", proven: false, code: 0, signal: null })).toBe("start_failed");
    expect(nextState("RUNNING", "start_failed")).toBe("BACKOFF");
  });

  it("calls a non-zero code or a signal after serving an abnormal exit", () => {
    expect(classifyExit({ state: "RUNNING", proven: true, code: 255, signal: null })).toBe("exit");
    expect(classifyExit({ state: "RUNNING", proven: true, code: null, signal: "SIGKILL" })).toBe("exit");
    expect(nextState("RUNNING", "exit")).toBe("EXITED");
  });

  it("calls an exit the agent asked for reaped, whatever the code", () => {
    expect(classifyExit({ state: "STOPPING", proven: true, code: 1, signal: null })).toBe("reaped");
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
