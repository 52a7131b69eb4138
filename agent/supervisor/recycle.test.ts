import { describe, expect, it } from "vitest";
import { RequestCounter, recycleReason } from "./recycle";

describe("recycleReason", () => {
  it("names the limit a process passed, and nothing below them", () => {
    const spec = { maxRssMb: 64, maxRequests: 100, maxAgeS: 3600 };
    expect(recycleReason(spec, { rssBytes: 65 << 20, ageMs: 0, requests: 0 })).toMatch(/maxRssMb 64/);
    expect(recycleReason(spec, { rssBytes: 0, ageMs: 0, requests: 100 })).toMatch(/maxRequests 100/);
    expect(recycleReason(spec, { rssBytes: 0, ageMs: 3_600_000, requests: 0 })).toMatch(/maxAgeS 3600/);
    expect(recycleReason(spec, { rssBytes: 63 << 20, ageMs: 1000, requests: 99 })).toBeNull();
    expect(recycleReason(undefined, { rssBytes: 1 << 40, ageMs: 1e12, requests: 1e9 })).toBeNull();
  });
});

describe("RequestCounter", () => {
  it("counts each connection a process is seen holding once", () => {
    const c = new RequestCounter();
    expect(c.observe(1, [10])).toBe(1);
    expect(c.observe(1, [10])).toBe(1);
    expect(c.observe(1, [11, 12])).toBe(3);
    expect(c.observe(1, [])).toBe(3);
    expect(c.observe(2, [10])).toBe(1);
  });
});
