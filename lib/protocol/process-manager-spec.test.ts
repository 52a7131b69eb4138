import { describe, expect, it } from "vitest";
import { AppSpecSchema, fieldErrors } from "../protocol";

const base = { name: "a", hostId: "h", command: ["/usr/bin/php-cgi"], socket: { path: "/run/a.sock" } };

describe("the process-manager fields of a spec", () => {
  it("keeps a plain number as a fixed count and takes a dynamic range with idleS defaulting to 60", () => {
    expect(AppSpecSchema.parse({ ...base, processes: 3 }).processes).toBe(3);
    expect(AppSpecSchema.parse({ ...base, processes: { min: 0, max: 8 } }).processes).toEqual({ min: 0, max: 8, idleS: 60 });
  });

  it("refuses min above max, unknown fields, and process-manager features an app-bound socket cannot have", () => {
    const bad = (spec: object) => {
      const r = AppSpecSchema.safeParse({ ...base, ...spec });
      return r.success ? [] : fieldErrors(r.error).map((e) => `${e.path}: ${e.message}`);
    };
    expect(bad({ processes: { min: 4, max: 2 } })[0]).toMatch(/processes.min: processes.min may not be above/);
    expect(bad({ recycle: { maxRss: 1 } })[0]).toMatch(/Unknown field: maxRss/);
    expect(bad({ limits: { memoryMb: 1 } })[0]).toMatch(/limits.memoryMb/);
    expect(bad({ socket: { path: "/run/a.sock", bind: "app" }, processes: { min: 1, max: 2 }, requestTimeoutS: 5 })).toHaveLength(2);
  });
});
