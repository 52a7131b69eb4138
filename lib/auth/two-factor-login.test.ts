import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";

process.env.STOKER_SECRETS_KEY = randomBytes(32).toString("base64"); // before the key module is read
const { pendingToken, readPendingToken } = await import("./two-factor-login");

describe("the pending token of a login's first step", () => {
  it("names its user for 5 minutes, then nothing; a changed user or signature names nobody", () => {
    const now = Date.now();
    const token = pendingToken("user1", now);
    expect(readPendingToken(token, now + 60_000)).toBe("user1");
    expect(readPendingToken(token, now + 5 * 60_000 + 1)).toBeNull();
    const [, exp, sig] = token.split(".");
    expect(readPendingToken(`user2.${exp}.${sig}`, now)).toBeNull();
    expect(readPendingToken(`user1.${Number(exp) + 600_000}.${sig}`, now)).toBeNull();
    expect(readPendingToken("user1", now)).toBeNull();
  });
});
