// The Hosts page's "Last apply" per web server (issue 16): it comes from the agent's registry and
// must outlive an agent restart, like the host setting beside it (it showed "—" for every server
// that had applied before the restart).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WebServerRegistry } from "./web-server-registry";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("WebServerRegistry last apply", () => {
  it("keeps each server's last apply across a restart of the agent", () => {
    const state = mkdtempSync(path.join(tmpdir(), "stoker-registry-unit-"));
    dirs.push(state);
    const env = { nginx: { dir: state }, lighttpd: { dir: state } };
    const first = new WebServerRegistry(state, env, async () => []);
    first.recordApply("nginx", { ok: true, step: "done", message: "The new config is live." });
    first.recordApply("lighttpd", { ok: false, step: "reload", message: "lighttpd is no longer running after the reload." });
    const again = new WebServerRegistry(state, env, async () => []);
    const last = Object.fromEntries(again.facts().map((f) => [f.server, f.lastApply]));
    expect(last.nginx).toMatchObject({ ok: true, step: "done", message: "The new config is live." });
    expect(last.lighttpd).toMatchObject({ ok: false, step: "reload" });
    expect(last.nginx?.at).toBe(first.facts().find((f) => f.server === "nginx")?.lastApply?.at);
  });

  it("starts with no last apply when the file is missing or not its shape", async () => {
    const state = mkdtempSync(path.join(tmpdir(), "stoker-registry-unit-"));
    dirs.push(state);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(state, "web-servers.last-apply.json"), JSON.stringify({ nginx: { ok: "yes" } }));
    const r = new WebServerRegistry(state, { nginx: { dir: state } }, async () => []);
    expect(r.facts()[0]?.lastApply).toBeNull();
  });
});
