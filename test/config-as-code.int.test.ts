// Configuration as code against a running stack: export → plan → apply round-trips with no change
// and no audit row; a one-field edit is exactly one change (one audit row, revision +1); exit codes;
// a bad file is refused with its line and field and changes nothing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { ADMIN, type Stack, startStack, waitUntil } from "./support/stack";

let stack: Stack;
const home = mkdtempSync(path.join(tmpdir(), "stoker-cac-"));
const file = path.join(home, "stoker.yaml");

function stoker(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/stoker.mjs", ...args], { env: { ...process.env, XDG_CONFIG_HOME: home, STOKER_URL: "", STOKER_TOKEN: "" }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
type App = { id: string; name: string; revision: number; host: { name: string }; processes: { state: string }[] };
const apps = () => JSON.parse(stoker("apps", "--json").out) as App[];
const lastAuditId = () => (JSON.parse(stoker("audit", "--json", "-n", "1").out.trim()) as { id: number }).id;
const auditSince = (id: number) =>
  stoker("audit", "--json", "-n", "50")
    .out.trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { id: number; action: string; target: string })
    .filter((e) => e.id > id);

beforeAll(async () => {
  stack = await startStack();
  expect(stoker("login", stack.url, "--email", ADMIN.email, "--password", ADMIN.password).code).toBe(0);
  await waitUntil(async () => apps()[0]?.processes.length === 2 && apps()[0].processes.every((p) => p.state === "RUNNING"), 60_000, "the demo app");
}, 180_000);

afterAll(async () => {
  await stack?.destroy();
  rmSync(home, { recursive: true, force: true });
});

describe("stoker export / plan / apply", { timeout: 240_000 }, () => {
  it("exports every app of a host as YAML, and as JSON {apps: [spec]} that POST /apps takes", () => {
    const r = stoker("export", "--host", "local", "-o", file);
    expect(r.code, r.err).toBe(0);
    const doc = parseDocument(readFileSync(file, "utf8"));
    const specs = (doc.toJS() as { apps: { name: string; hostId: string; command: string[] }[] }).apps;
    expect(specs.map((s) => s.name)).toEqual(["demo"]);
    expect(specs[0].hostId).toBeTruthy();
    expect(readFileSync(file, "utf8")).toContain("# host: local");
    const json = JSON.parse(stoker("export", "--format", "json").out) as { apps: { name: string }[] };
    expect(Object.keys(json)).toEqual(["apps"]);
    expect(json.apps).toEqual(specs);
    expect(stoker("export", "--host", "nowhere").err).toContain('No host named "nowhere"');
  });

  it("writes a secret env value as its reference, never the value, and plans no change for it", async () => {
    const { url, token } = JSON.parse(readFileSync(path.join(home, "stoker", "config.json"), "utf8")) as { url: string; token: string };
    const demo = JSON.parse(stoker("export", "--format", "json").out).apps[0] as { env: Record<string, unknown> };
    const id = apps()[0].id;
    const put = await fetch(`${url}/api/v1/apps/${id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...demo, env: { ...demo.env, API_KEY: { secret: "hunter2-not-in-files" } } }),
    });
    expect(put.status, await put.text()).toBe(200);
    expect(stoker("export", "--host", "local", "-o", file).code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("hunter2-not-in-files");
    expect((parseDocument(text).toJS() as { apps: { env: Record<string, unknown> }[] }).apps[0].env.API_KEY).toEqual({ secret: { set: true } });
  });

  it("plans no change for the exported file, and applying it changes nothing (no audit row)", () => {
    const before = { audit: lastAuditId(), revision: apps()[0].revision };
    const plan = stoker("plan", "-f", file, "--exit-code");
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toContain("No changes");
    const apply = stoker("apply", "-f", file);
    expect(apply.code, apply.err).toBe(0);
    expect(auditSince(before.audit)).toEqual([]);
    expect(apps()[0].revision).toBe(before.revision);
  });

  it("plans a one-field edit as that field, exit 2 with --exit-code, and applies it as exactly one change", () => {
    const doc = parseDocument(readFileSync(file, "utf8"));
    const timeout = doc.getIn(["apps", 0, "stop", "timeoutMs"]) as number;
    expect(timeout).toBeGreaterThan(0);
    doc.setIn(["apps", 0, "stop", "timeoutMs"], timeout + 1000);
    writeFileSync(file, doc.toString());
    const before = { audit: lastAuditId(), revision: apps()[0].revision };

    const plan = stoker("plan", "-f", file);
    expect(plan.code, plan.err).toBe(0); // without --exit-code a plan with changes still exits 0
    expect(plan.out).toContain(`~ change demo (host local)\n    stop.timeoutMs: ${timeout} → ${timeout + 1000}\nPlan: 0 to create, 1 to change, 0 to remove.`);
    expect(stoker("plan", "-f", file, "--exit-code").code).toBe(2);
    expect(auditSince(before.audit)).toEqual([]); // plan touched nothing

    const apply = stoker("apply", "-f", file);
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out).toContain(`✓ changed demo (host local): revision ${before.revision + 1}`);
    expect(auditSince(before.audit).map((e) => [e.action, e.target])).toEqual([["app.updated", "app:demo"]]);
    expect(apps()[0].revision).toBe(before.revision + 1);
    expect(stoker("plan", "-f", file, "--exit-code").code).toBe(0);
  });

  it("compares a secret written as a value with the stored one: no change after apply, one change when it differs", () => {
    const withValue = path.join(home, "with-secret.yaml");
    const doc = parseDocument(readFileSync(file, "utf8"));
    doc.setIn(["apps", 0, "env", "API_KEY"], { secret: "hunter2-not-in-files" }); // the value stored earlier
    writeFileSync(withValue, doc.toString());
    const before = { audit: lastAuditId(), revision: apps()[0].revision };
    const same = stoker("plan", "-f", withValue, "--exit-code");
    expect(same.code, same.out + same.err).toBe(0);
    expect(same.out).toContain("No changes");

    doc.setIn(["apps", 0, "env", "API_KEY"], { secret: "rotated-value" });
    writeFileSync(withValue, doc.toString());
    const changed = stoker("plan", "-f", withValue, "--exit-code");
    expect(changed.code).toBe(2);
    expect(changed.out).toContain("~ change demo (host local)\n    env.API_KEY: (secret) → (new secret value)\nPlan: 0 to create, 1 to change, 0 to remove.");
    expect(changed.out).not.toContain("rotated-value");
    expect(auditSince(before.audit)).toEqual([]); // plan touched nothing, not even through the comparison

    expect(stoker("apply", "-f", withValue).code).toBe(0);
    expect(apps()[0].revision).toBe(before.revision + 1);
    const again = stoker("plan", "-f", withValue, "--exit-code");
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain("No changes");
  });

  it("lists an app missing from the file as kept, and as a removal only with --prune (plan only)", () => {
    const empty = path.join(home, "empty.yaml");
    writeFileSync(empty, "apps: []\n");
    const kept = stoker("plan", "-f", empty, "--host", "local", "--exit-code");
    expect(kept.code).toBe(0);
    expect(kept.out).toContain("keep demo (host local): not in the file (apply --prune would remove it)");
    const pruned = stoker("plan", "-f", empty, "--host", "local", "--prune", "--exit-code");
    expect(pruned.code).toBe(2);
    expect(pruned.out).toContain("- remove demo (host local)");
    expect(apps().map((a) => a.name)).toEqual(["demo"]);
  });

  it("refuses a bad file naming its line and field, and changes nothing", () => {
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    const at = lines.findIndex((l) => /^\s+processes: 2$/.test(l));
    expect(at).toBeGreaterThan(0);
    lines[at] = lines[at].replace("processes: 2", "processes: 0");
    const bad = path.join(home, "bad.yaml");
    writeFileSync(bad, lines.join("\n"));
    const before = { audit: lastAuditId(), revision: apps()[0].revision };
    const r = stoker("apply", "-f", bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:${at + 1}: apps[0] (demo) processes: Run at least 1 process.`);
    expect(r.err).toContain("nothing was changed");
    expect(auditSince(before.audit)).toEqual([]);
    expect(apps()[0].revision).toBe(before.revision);

    writeFileSync(bad, "apps:\n  - name: demo\n    command: [unclosed\n");
    const syntax = stoker("plan", "-f", bad);
    expect(syntax.code).toBe(1);
    expect(syntax.err).toMatch(new RegExp(`${bad}:\\d+: \\(syntax\\)`));
  });
});
