// Unit tests for the validator warnings an apply treats as a refusal.
import { describe, expect, it } from "vitest";
import { shadowingWarnings } from "./validator-warnings";

describe("shadowingWarnings", () => {
  it("finds nginx's conflicting server name warning (the second site is ignored)", () => {
    const out = '2026/12/05 17:02:38 [warn] 19576#19576: conflicting server name "dup.test" on 127.0.0.1:18099, ignored\n';
    expect(shadowingWarnings("nginx", out)).toEqual([out.trim()]);
  });

  it("ignores warnings that do not hide a site, and other servers' words", () => {
    expect(shadowingWarnings("nginx", "[warn] could not build optimal types_hash, you should increase types_hash_max_size\n")).toEqual([]);
    expect(shadowingWarnings("lighttpd", "conflicting server name")).toEqual([]);
  });

  it("finds Apache's VirtualHost overlap warning", () => {
    expect(shadowingWarnings("apache", "AH00548: _default_ VirtualHost overlap on port 80, the first has precedence\n")).toHaveLength(1);
  });
});
