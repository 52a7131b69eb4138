import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppSpecSchema, DesiredAppSchema } from "./app-spec";
import { openText, sealText } from "./sealed-text";
import { plainEnv, publicEnv, secretNames } from "./secret-env";

const base = { name: "a", hostId: "h", command: ["/bin/true"], socket: { path: "/run/stoker/a.sock" } };

describe("secret env values in a spec", () => {
  it("accepts plain strings, a secret value and the set marker, and refuses other shapes", () => {
    expect(AppSpecSchema.safeParse({ ...base, env: { A: "1", B: { secret: "pw" }, C: { secret: { set: true } } } }).success).toBe(true);
    expect(AppSpecSchema.safeParse({ ...base, env: { B: { secret: { set: false } } } }).success).toBe(false);
    expect(AppSpecSchema.safeParse({ ...base, env: { B: { secret: "pw", extra: 1 } } }).success).toBe(false);
    expect(AppSpecSchema.safeParse({ ...base, env: { B: { sealed: "v1.x.y.z" } } }).success).toBe(false);
  });

  it("gives the process every value as a string, and shows reads only the set marker", () => {
    const env = { A: "1", B: { secret: "hunter2" } };
    expect(plainEnv(env)).toEqual({ A: "1", B: "hunter2" });
    expect(publicEnv(env)).toEqual({ A: "1", B: { secret: { set: true } } });
    expect(JSON.stringify(publicEnv(env, true))).not.toContain("hunter2");
    expect(secretNames(env)).toEqual(["B"]);
  });

  it("refuses a desired app for the agent that carries a marker instead of the value", () => {
    const desired = { appId: "a", revision: 1, desired: "running", rootApproved: false };
    const refused = DesiredAppSchema.safeParse({ ...desired, spec: { ...base, env: { B: { secret: { set: true } } } } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0].path).toEqual(["spec", "env", "B"]);
    expect(DesiredAppSchema.safeParse({ ...desired, spec: { ...base, env: { B: { secret: "pw" } } } }).success).toBe(true);
  });
});

describe("sealed text", () => {
  const key = randomBytes(32);
  it("opens what it sealed, and nothing moved to another place, changed, or sealed under another key", () => {
    const sealed = sealText(key, "hunter2", "h/app/DB_PASSWORD");
    expect(sealed).not.toContain("hunter2");
    expect(sealText(key, "hunter2", "h/app/DB_PASSWORD")).not.toBe(sealed); // a fresh IV each time
    expect(openText(key, sealed, "h/app/DB_PASSWORD")).toBe("hunter2");
    expect(openText(key, sealed, "h/other/DB_PASSWORD")).toBeNull();
    expect(openText(randomBytes(32), sealed, "h/app/DB_PASSWORD")).toBeNull();
    const parts = sealed.split(".");
    const ct = Buffer.from(parts[3], "base64url");
    ct[0] ^= 1;
    expect(openText(key, [...parts.slice(0, 3), ct.toString("base64url")].join("."), "h/app/DB_PASSWORD")).toBeNull();
    expect(openText(key, "garbage", "h/app/DB_PASSWORD")).toBeNull();
  });
});
