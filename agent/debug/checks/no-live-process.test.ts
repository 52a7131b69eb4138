import { describe, expect, it } from "vitest";
import { unavailableResponse } from "../../supervisor/unavailable-responder";
import { noLiveProcessFinding, unavailablePageState } from "./no-live-process";

describe("no-live-process", () => {
  it("recognises the agent's own 503 page and the state it names, not an app's 503", () => {
    const page = unavailableResponse("shop", "FATAL").toString("utf8");
    const body = page.slice(page.indexOf("\r\n\r\n") + 4);
    expect(unavailablePageState(503, body)).toBe("FATAL");
    expect(unavailablePageState(503, "<h1>Service Unavailable</h1>")).toBeNull();
    expect(unavailablePageState(500, body)).toBeNull();
  });

  it("names the state, the last exit and the last output", () => {
    const f = noLiveProcessFinding({ state: "BACKOFF", lastExit: { pid: 42, code: null, signal: "SIGSEGV" }, output: "boom\n" });
    expect(f.title).toBe("The app has no live process (BACKOFF)");
    expect(f.detail).toContain("last: process 42 exited with signal SIGSEGV.");
    expect(f.detail).toContain("Output of the last process:\nboom");
    expect(noLiveProcessFinding({ state: "FATAL", lastExit: { pid: 0, code: null, signal: null, error: "cannot start /x: ENOENT" }, output: "" }).detail).toContain("the process could not be started (cannot start /x: ENOENT)");
  });
});
