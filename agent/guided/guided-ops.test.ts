import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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

describe("proposing from a script path", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-guided-ops-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const propose = (p: string) => proposeFromScript(p, "root", "x", "/run/stoker", undefined, true);

  it("says a script that is not there does not exist, not that it is not a file", () => {
    const r = propose(path.join(dir, "missing.fcgi"));
    expect(r.ok ? "" : r.message).toBe(`${path.join(dir, "missing.fcgi")} does not exist.`);
  });

  it("says a directory is not a file, and proposes from a script that is there", () => {
    mkdirSync(path.join(dir, "site"));
    const asDir = propose(path.join(dir, "site"));
    expect(asDir.ok ? "" : asDir.message).toBe(`${path.join(dir, "site")} is not a file.`);
    writeFileSync(path.join(dir, "app.fcgi"), "#!/usr/bin/python3\nfrom flup.server.fcgi import WSGIServer\nWSGIServer(app).run()\n");
    chmodSync(path.join(dir, "app.fcgi"), 0o755);
    expect(propose(path.join(dir, "app.fcgi")).ok).toBe(true);
  });
});
