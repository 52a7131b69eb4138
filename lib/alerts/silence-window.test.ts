import { describe, expect, it } from "vitest";
import { silenceActive, silenceOver } from "./silence-window";

const at = (iso: string) => new Date(iso);
const w = (over: Partial<Parameters<typeof silenceActive>[0]>) => ({ startsAt: null, endsAt: null, daily: "", days: [], ...over });

describe("silence windows", () => {
  it("holds a one-off period from its start up to (not including) its end", () => {
    const s = w({ startsAt: at("2026-01-01T10:00:00Z"), endsAt: at("2026-01-01T11:00:00Z") });
    expect(silenceActive(s, at("2026-01-01T09:59:59Z"))).toBe(false);
    expect(silenceActive(s, at("2026-01-01T10:00:00Z"))).toBe(true);
    expect(silenceActive(s, at("2026-01-01T10:59:59Z"))).toBe(true);
    expect(silenceActive(s, at("2026-01-01T11:00:00Z"))).toBe(false);
    expect(silenceOver(s, at("2026-01-01T11:00:00Z"))).toBe(true);
  });

  it("holds forever with neither end nor range (a mute)", () => {
    expect(silenceActive(w({}), at("2030-05-05T05:05:05Z"))).toBe(true);
  });

  it("holds a nightly range across midnight on both sides of it", () => {
    const s = w({ daily: "23:30-01:15" });
    expect(silenceActive(s, at("2026-01-01T23:29:00Z"))).toBe(false);
    expect(silenceActive(s, at("2026-01-01T23:30:00Z"))).toBe(true);
    expect(silenceActive(s, at("2026-01-02T00:59:00Z"))).toBe(true);
    expect(silenceActive(s, at("2026-01-02T01:15:00Z"))).toBe(false);
    expect(silenceActive(s, at("2026-01-02T12:00:00Z"))).toBe(false);
  });

  it("keeps to its weekdays, counting the after-midnight part as the day the range began", () => {
    // 2026-01-03 is a Saturday (6); the range begins on Saturdays only.
    const s = w({ daily: "22:00-02:00", days: [6] });
    expect(silenceActive(s, at("2026-01-03T22:30:00Z"))).toBe(true);
    expect(silenceActive(s, at("2026-01-04T01:00:00Z"))).toBe(true); // Sunday morning, Saturday's range
    expect(silenceActive(s, at("2026-01-04T22:30:00Z"))).toBe(false); // Sunday night
    expect(silenceActive(s, at("2026-01-03T01:00:00Z"))).toBe(false); // Saturday morning is Friday's range
  });

  it("holds a daily range only within its period when it has one", () => {
    const s = w({ daily: "02:00-03:00", startsAt: at("2026-01-02T00:00:00Z"), endsAt: at("2026-01-03T00:00:00Z") });
    expect(silenceActive(s, at("2026-01-01T02:30:00Z"))).toBe(false);
    expect(silenceActive(s, at("2026-01-02T02:30:00Z"))).toBe(true);
    expect(silenceActive(s, at("2026-01-03T02:30:00Z"))).toBe(false);
  });
});
