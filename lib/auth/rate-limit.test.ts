import { describe, expect, it } from "vitest";
import { loginLimiter } from "./rate-limit";

// Issue 17 item 9: the old limiter forgot every key once it held 10,000, so an attacker could
// spray that many addresses or emails and wipe a lock. Keys now only expire.
describe("login limits", () => {
  it("keeps a locked (account, address) pair locked after 20,000 other keys", async () => {
    const limits = loginLimiter();
    for (let i = 0; i < 5; i++) await limits.failed("owner@example.com", "203.0.113.7");
    expect(await limits.before("owner@example.com", "203.0.113.7")).toMatchObject({ lockedMinutes: 15 });
    for (let i = 0; i < 20_000; i++) {
      await limits.failed(`user${i}@example.com`, `198.51.${i >> 8}.${i & 255}`);
      await limits.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    }
    expect(await limits.before("owner@example.com", "203.0.113.7")).toMatchObject({ lockedMinutes: 15 });
    // The lock is the pair's alone: the owner from another address is not locked.
    expect(await limits.before("owner@example.com", "192.0.2.1")).toEqual({ delayMs: 0 });
  });
});
