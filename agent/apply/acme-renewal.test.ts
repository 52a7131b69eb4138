import { describe, expect, it } from "vitest";
import { nextCheckDelay, RENEWAL_CHECK_MS, RENEWAL_FIRST_CHECK_MS, renewalDue } from "./acme-renewal";

const day = 24 * 60 * 60_000;
const now = new Date("2026-12-05T12:00:00Z");

describe("renewalDue", () => {
  it("renews within 30 days of expiry, or when there is no readable certificate", () => {
    expect(renewalDue(null, now)).toBe(true);
    expect(renewalDue(new Date(now.getTime() + day), now)).toBe(true); // the one-day placeholder
    expect(renewalDue(new Date(now.getTime() + 29 * day), now)).toBe(true);
    expect(renewalDue(new Date(now.getTime() - day), now)).toBe(true); // already expired
  });

  it("leaves a certificate with more than 30 days left alone", () => {
    expect(renewalDue(new Date(now.getTime() + 31 * day), now)).toBe(false);
    expect(renewalDue(new Date(now.getTime() + 89 * day), now)).toBe(false);
  });
});

describe("nextCheckDelay", () => {
  it("checks a day after the last check, so an agent restarted every few hours still checks daily", () => {
    const hour = 60 * 60_000;
    // Last checked 20 h ago, agent restarted now: the next check is in 4 h, not 24 h from now.
    expect(nextCheckDelay(new Date(now.getTime() - 20 * hour), now)).toBe(4 * hour);
    // Overdue (the agent was down, or restarted just before each daily tick): soon after start.
    expect(nextCheckDelay(new Date(now.getTime() - 3 * day), now)).toBe(RENEWAL_FIRST_CHECK_MS);
    expect(nextCheckDelay(null, now)).toBe(RENEWAL_FIRST_CHECK_MS);
    // A clock set back: never more than a day away.
    expect(nextCheckDelay(new Date(now.getTime() + 5 * day), now)).toBe(RENEWAL_CHECK_MS);
  });
});
