import { describe, expect, it } from "vitest";
import { pauseAfterRead } from "./read-pacing";

const PIPE = 1 << 20;

describe("pauseAfterRead", () => {
  it("reads a quiet pipe again at once: a line after a second, a live tail's 1,000 lines/s", () => {
    expect(pauseAfterRead(70, 1000, PIPE)).toBe(0);
    expect(pauseAfterRead(70, 1, PIPE)).toBe(0);
    expect(pauseAfterRead(700, 10, PIPE)).toBe(0);
  });

  it("lets a pipe that a process fills line by line gather for a moment, however little each read got", () => {
    // One 70-byte line, readable again 20 µs after the last read: a logger flushing every record.
    expect(pauseAfterRead(70, 0.02, PIPE)).toBeGreaterThan(0);
    expect(pauseAfterRead(700, 0.5, PIPE)).toBeGreaterThan(0);
  });

  it("pauses a full read of a flood for about a quarter of the pipe's capacity, at most a millisecond", () => {
    // 512 KiB arrived within 1 ms: the next quarter of a 1 MiB pipe (256 KiB) takes 0.5 ms.
    expect(pauseAfterRead(512 * 1024, 1, PIPE)).toBeCloseTo(0.5, 5);
    // 64 KiB within 0.5 ms would take 2 ms to fill a quarter: capped.
    expect(pauseAfterRead(64 * 1024, 0.5, PIPE)).toBe(1);
  });

  it("does not pause for less than 0.2 ms: a pipe filling that fast is read straight away", () => {
    expect(pauseAfterRead(PIPE, 0.1, PIPE)).toBe(0);
  });
});
