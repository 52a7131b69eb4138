import { describe, expect, it } from "vitest";
import { type AlertState, nextAction, ruleParams } from "./alert-policy";

const t0 = new Date("2026-01-01T00:00:00Z");
const later = (s: number) => new Date(t0.getTime() + s * 1000);
const timing = { repeatSec: 60, resolveAfterSec: 10 };
const firing = (over: Partial<AlertState> = {}): AlertState => ({ state: "firing", notifiedAt: null, clearedAt: null, ...over });

describe("what a firing alert does next", () => {
  it("sends a new firing at once, then nothing until the repeat interval has passed", () => {
    expect(nextAction(firing(), t0, timing, false)).toBe("send-firing");
    const sent = firing({ notifiedAt: t0 });
    expect(nextAction(sent, later(59), timing, false)).toBe("none");
    expect(nextAction(sent, later(60), timing, false)).toBe("send-repeat");
  });

  it("records but does not send inside a silence, and sends once when it ends if still firing", () => {
    const a = firing();
    expect(nextAction(a, later(5), timing, true)).toBe("none");
    expect(nextAction(a, later(6), timing, false)).toBe("send-firing");
    // After that send, the next tick does not send again.
    expect(nextAction(firing({ notifiedAt: later(6) }), later(7), timing, false)).toBe("none");
  });

  it("waits the resolve delay before a recovery, so a flapping app sends one message", () => {
    const cleared = firing({ notifiedAt: t0, clearedAt: later(1) });
    expect(nextAction(cleared, later(10), timing, false)).toBe("none");
    expect(nextAction(cleared, later(11), timing, false)).toBe("resolve-notify");
  });

  it("resolves quietly what nobody was told about, and a recovery inside a silence", () => {
    expect(nextAction(firing({ clearedAt: t0 }), later(30), timing, false)).toBe("resolve-quiet");
    expect(nextAction(firing({ notifiedAt: t0, clearedAt: t0 }), later(30), timing, true)).toBe("resolve-quiet");
  });

  it("leaves a resolved alert alone", () => {
    expect(nextAction({ state: "resolved", notifiedAt: t0, clearedAt: t0 }, later(9999), timing, false)).toBe("none");
  });

  it("fills a rule's defaults under its own parameters", () => {
    expect(ruleParams("app.crash-loop", { count: 3 })).toMatchObject({ count: 3, windowSec: 300, repeatSec: 14400 });
  });
});
