import { describe, expect, it } from "vitest";
import { AppSpecSchema, fieldErrors } from "../protocol";
import { ARG_MAX_BYTES, execBytes } from "./exec-limits";

const base = { name: "big", hostId: "h", command: ["/usr/bin/php-cgi"], socket: { path: "/run/stoker/big.sock" } };
const envOf = (count: number, bytes: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`VAR_${i}`, "x".repeat(bytes)]));

describe("the exec limit of an app spec", () => {
  it("refuses 3,000 variables of 1 KB with a message on env naming ARG_MAX", () => {
    const parsed = AppSpecSchema.safeParse({ ...base, env: envOf(3000, 1024) });
    expect(parsed.success).toBe(false);
    const errors = parsed.success ? [] : fieldErrors(parsed.error);
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe("env");
    expect(errors[0].message).toMatch(/ARG_MAX is 2,048 KiB/);
    expect(errors[0].message).toMatch(/take 3,\d{3} KiB/);
  });

  it("accepts a large environment that still fits (1,000 variables of 1 KB)", () => {
    expect(AppSpecSchema.safeParse({ ...base, env: envOf(1000, 1024) }).success).toBe(true);
  });

  it("counts each string with its NUL and its pointer, as execve does", () => {
    expect(execBytes(["/a"], { K: "v" })).toBe(3 + 8 + 4 + 8);
    expect(ARG_MAX_BYTES).toBe(2 * 1024 * 1024);
  });
});
