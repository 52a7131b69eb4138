// The debug wire schemas accept well-formed frames and reject malformed ones.
import { describe, expect, it } from "vitest";
import { AsciicastEventSchema, DoctorReportSchema, PtyMessageSchema, RunByHandResultSchema } from "./debug-messages";

describe("debug messages", () => {
  it("parses each pty relay frame and rejects unknown types and bad session ids", () => {
    for (const frame of [
      { type: "pty.open", sessionId: "s1", user: "www-data", cols: 80, rows: 24 },
      { type: "pty.input", sessionId: "s1", data: "ls\r" },
      { type: "pty.resize", sessionId: "s1", cols: 100, rows: 30 },
      { type: "pty.output", sessionId: "s1", data: "x" },
      { type: "pty.exit", sessionId: "s1", code: 0 },
      { type: "pty.close", sessionId: "s1" },
    ]) {
      expect(PtyMessageSchema.safeParse(frame).success).toBe(true);
    }
    expect(PtyMessageSchema.safeParse({ type: "pty.eval", sessionId: "s1" }).success).toBe(false);
    expect(PtyMessageSchema.safeParse({ type: "pty.close", sessionId: "../x" }).success).toBe(false);
    expect(PtyMessageSchema.safeParse({ type: "pty.open", sessionId: "s", user: "Root;", cols: 80, rows: 24 }).success).toBe(false);
  });

  it("only knows the doctor's codes and severities", () => {
    const finding = { code: "not-executable", severity: "error", title: "t", detail: "d", fix: "chmod 755 /x" };
    expect(DoctorReportSchema.safeParse({ findings: [finding], ranAt: "now", durationMs: 1 }).success).toBe(true);
    expect(DoctorReportSchema.safeParse({ findings: [{ ...finding, code: "vibes" }], ranAt: "now", durationMs: 1 }).success).toBe(false);
  });

  it("accepts a run-by-hand result without a response and asciicast events", () => {
    const r = { outcome: "crashed", exitCode: 1, signal: null, stdout: "", stderr: "boom", response: null, error: "closed", durationMs: 5 };
    expect(RunByHandResultSchema.parse(r)).toEqual(r);
    expect(AsciicastEventSchema.safeParse([0.5, "i", "ls\r"]).success).toBe(true);
    expect(AsciicastEventSchema.safeParse([-1, "o", "x"]).success).toBe(false);
  });
});
