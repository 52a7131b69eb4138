import { describe, expect, it } from "vitest";
import { isoNow, isoTime } from "./iso-time";

describe("isoTime", () => {
  it("gives what toISOString gives, for times across the years, months and milliseconds", () => {
    const times = [0, 1, 999, 86_399_999, Date.UTC(2026, 11, 6, 8, 30, 5, 7), Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1000, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (let t = -2e12; t < 4e12; t += 7_777_777_777) times.push(t);
    for (const t of times) {
      expect(isoTime(t)).toBe(new Date(t).toISOString());
      expect(isoTime(new Date(t))).toBe(new Date(t).toISOString());
    }
  });

  it("hands years outside 1000-9999 to toISOString, and throws for an invalid time as it does", () => {
    for (const t of [Date.UTC(999, 0, 1), Date.UTC(10000, 0, 1), Date.UTC(-5, 0, 1)]) expect(isoTime(t)).toBe(new Date(t).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(new Date("not a date"))).toThrow(RangeError);
  });

  it("gives now", () => {
    const before = Date.now();
    const t = Date.parse(isoNow());
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
