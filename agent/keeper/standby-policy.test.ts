import { describe, expect, it } from "vitest";
import { RestartSpecSchema } from "../../lib/protocol";
import { MAX_UNPROVEN_RECYCLES } from "../supervisor/lifecycle";
import { replacementDelay, type SlotHistory } from "./standby-policy";

const always = RestartSpecSchema.parse({});
const fresh = (): SlotHistory => ({ unprovenRecycles: 0, failures: 0 });

describe("replacementDelay", () => {
  it("replaces an inherited process at once whatever its unknown status, unless the policy is never", () => {
    expect(replacementDelay({ status: null, livedMs: 5 }, always, fresh())).toBe(0);
    expect(replacementDelay({ status: null, livedMs: 5 }, RestartSpecSchema.parse({ policy: "never" }), fresh())).toBeNull();
  });

  it("replaces a clean exit after the start window at once, every time (php-cgi recycling)", () => {
    const h = fresh();
    for (let i = 0; i < 50; i++) expect(replacementDelay({ status: { code: 0, signal: null }, livedMs: 3000 }, always, h)).toBe(0);
  });

  it("backs off, doubling, for failures and for a program that exits 0 at once", () => {
    const h = fresh();
    const crash = { status: { code: 1, signal: null }, livedMs: 4000 };
    expect(replacementDelay(crash, always, h)).toBe(500);
    expect(replacementDelay(crash, always, h)).toBe(1000);
    expect(replacementDelay({ status: { code: 0, signal: null }, livedMs: 4000 }, always, h)).toBe(0); // a recycle resets it
    expect(replacementDelay(crash, always, h)).toBe(500);
    const quick = fresh();
    const delays = Array.from({ length: MAX_UNPROVEN_RECYCLES + 2 }, () => replacementDelay({ status: { code: 0, signal: null }, livedMs: 10 }, always, quick));
    expect(delays).toEqual([...Array(MAX_UNPROVEN_RECYCLES).fill(0), 500, 1000]);
  });

  it("replaces at once, every time, a replacement seen serving that used up its quota within the start window (php-cgi under load)", () => {
    const h = fresh();
    for (let i = 0; i < 50; i++) expect(replacementDelay({ status: { code: 0, signal: null }, livedMs: 400, served: true }, always, h)).toBe(0);
  });

  it("follows on-failure: a clean exit is not replaced, a crash is", () => {
    const onFailure = RestartSpecSchema.parse({ policy: "on-failure" });
    expect(replacementDelay({ status: { code: 0, signal: null }, livedMs: 4000 }, onFailure, fresh())).toBeNull();
    expect(replacementDelay({ status: { code: null, signal: "SIGKILL" }, livedMs: 4000 }, onFailure, fresh())).toBe(500);
  });
});
