import { describe, expect, it } from "vitest";
import { browseDir, proposeFromScript } from "./guided-ops";

// The agent's own check of the run-as rule for the guided form: it reads with the named user's
// permissions, so uid 0 (by any name) needs the owner's approval carried by the control plane.
describe("reading the host's files as a user", () => {
  it("refuses to list or read as root without the owner's approval", () => {
    const listed = browseDir("/root", "root");
    expect(listed).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(!listed.ok && listed.message).toContain("uid 0");
    expect(proposeFromScript("/etc/shadow", "root", "x", "/run/stoker")).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("lists as root with the approval, and as an ordinary user without it", () => {
    expect(browseDir("/etc", "root", true).ok).toBe(true);
    const asNobody = browseDir("/etc", "nobody");
    expect(asNobody.ok).toBe(true);
    // nobody's listing leaves out what nobody cannot read
    expect(asNobody.ok && asNobody.value.entries.some((e) => e.name === "shadow")).toBe(false);
  });
});
