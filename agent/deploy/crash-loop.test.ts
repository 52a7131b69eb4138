import { describe, expect, it } from "vitest";
import { watchCrashLoop } from "./crash-loop";

describe("watchCrashLoop", () => {
  it("calls a crash loop as soon as restarts within the window exceed the limit", async () => {
    let restarts = 7; // counted from where the watch starts, not from zero
    const timer = setInterval(() => restarts++, 20);
    const v = await watchCrashLoop({ windowMs: 3000, maxRestarts: 2, readRestarts: () => restarts, pollMs: 10 });
    clearInterval(timer);
    expect(v.crashLoop).toBe(true);
    expect(v.restarts).toBeGreaterThan(2);
    expect(v.afterMs).toBeLessThan(3000);
  });

  it("lets a release that restarts rarely through once the window passes", async () => {
    let restarts = 0;
    const v = await watchCrashLoop({
      windowMs: 150,
      maxRestarts: 2,
      readRestarts: () => {
        restarts = Math.min(restarts + 1, 2);
        return restarts;
      },
      pollMs: 10,
    });
    expect(v).toMatchObject({ crashLoop: false });
    expect(v.afterMs).toBeGreaterThanOrEqual(140);
  });
});
