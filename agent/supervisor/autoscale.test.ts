import { describe, expect, it } from "vitest";
import { decideScale, type ScaleInput } from "./autoscale";

const plenty = { availableBytes: 8 * 2 ** 30, perProcessBytes: 32 << 20, reserveBytes: 64 << 20, appLimitBytes: null, appUsedBytes: 0 };
const range = { min: 1, max: 6, idleS: 10, dynamic: true };
const slot = (index: number, busy: boolean, idleMs = 0) => ({ index, running: true, busy, idleMs });
const input = (over: Partial<ScaleInput>): ScaleInput => ({ range, slots: [slot(0, false)], starting: 0, queue: 0, memory: plenty, ...over });

describe("decideScale", () => {
  it("adds processes when every worker is busy or connections queue, up to max and a step of 4", () => {
    expect(decideScale(input({ slots: [slot(0, true)] }))).toMatchObject({ kind: "up", count: 1 });
    expect(decideScale(input({ slots: [slot(0, true)], queue: 11 }))).toMatchObject({ kind: "up", count: 4 });
    expect(decideScale(input({ slots: [0, 1, 2, 3, 4].map((i) => slot(i, true)), queue: 9 }))).toMatchObject({ kind: "up", count: 1 });
    expect(decideScale(input({ slots: [0, 1, 2, 3, 4, 5].map((i) => slot(i, true)), queue: 9 }))).toEqual({ kind: "none", held: "at max (6)" });
  });

  it("waits while a process is starting", () => {
    expect(decideScale(input({ slots: [slot(0, true)], queue: 5, starting: 1 })).kind).toBe("none");
  });

  it("stops the highest idle slot after idleS, never below min, and not while connections queue", () => {
    const slots = [slot(0, false, 60_000), slot(1, false, 11_000), slot(2, false, 2_000)];
    expect(decideScale(input({ slots }))).toMatchObject({ kind: "down", index: 1 });
    expect(decideScale(input({ slots, queue: 1 })).kind).toBe("up");
    expect(decideScale(input({ slots: [slot(0, false, 60_000)] })).kind).toBe("none");
  });

  it("is held by the host's free memory, and says so", () => {
    const tight = { ...plenty, availableBytes: (64 + 40) << 20 };
    const d = decideScale(input({ slots: [slot(0, true)], queue: 8, memory: tight }));
    expect(d).toMatchObject({ kind: "up", count: 1 });
    expect(d.kind === "up" && d.held).toMatch(/host memory: .* 1 of 4 more/);
    const none = decideScale(input({ slots: [slot(0, true)], queue: 8, memory: { ...plenty, availableBytes: 80 << 20 } }));
    expect(none.kind).toBe("none");
    expect(none.kind === "none" && none.held).toMatch(/^host memory/);
  });

  it("is held by the app's own memory limit", () => {
    const d = decideScale(input({ slots: [slot(0, true)], queue: 8, memory: { ...plenty, appLimitBytes: 96 << 20, appUsedBytes: 32 << 20 } }));
    expect(d).toMatchObject({ kind: "up", count: 2 });
    expect(d.kind === "up" && d.held).toMatch(/limits\.memoryMb/);
  });

  it("always starts the first process of an on-demand app that has a connection waiting", () => {
    const d = decideScale(input({ range: { min: 0, max: 2, idleS: 5, dynamic: true }, slots: [], queue: 1, memory: { ...plenty, availableBytes: 0 } }));
    expect(d).toMatchObject({ kind: "up", count: 1 });
  });
});
