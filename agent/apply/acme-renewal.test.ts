import { describe, expect, it } from "vitest";
import { renewalDue } from "./acme-renewal";

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
