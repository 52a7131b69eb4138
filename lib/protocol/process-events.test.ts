import { describe, expect, it } from "vitest";
import { eventKindOf } from "./process-events";

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
