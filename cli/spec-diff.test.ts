import { describe, expect, it } from "vitest";
import { actionable, fieldChanges, formatPlan, planChanges, secretsToCompare, settleSecrets } from "./spec-diff";

const spec = (over: Record<string, unknown> = {}) => ({ name: "shop", hostId: "h1", command: ["/usr/bin/php-cgi"], processes: 2, env: { A: "1" }, restart: { policy: "always", backoffMs: 500 }, ...over });

describe("fieldChanges", () => {
  it("names each changed field by its dotted path, with both values", () => {
    expect(fieldChanges(spec(), spec({ processes: 3, restart: { policy: "always", backoffMs: 900 } }))).toEqual([
      { path: "processes", before: 2, after: 3 },
      { path: "restart.backoffMs", before: 500, after: 900 },
    ]);
  });

  it("sees an added and a removed env variable, and compares arrays as a whole", () => {
    expect(fieldChanges(spec(), spec({ env: { B: "2" }, command: ["/usr/bin/php-cgi", "-c", "/etc/php.ini"] })).map((c) => c.path)).toEqual(["command", "env.A", "env.B"]);
  });

  it("finds nothing between equal specs whatever their key order", () => {
    expect(fieldChanges(spec(), { ...spec(), env: { A: "1" }, name: "shop" })).toEqual([]);
  });

  it("treats a secret reference as one value, so a changed reference is one change", () => {
    const before = spec({ env: { K: { secret: { set: true } } } });
    expect(fieldChanges(before, spec({ env: { K: { secret: { set: true } } } }))).toEqual([]);
    expect(fieldChanges(before, spec({ env: { K: { secret: "new" } } })).map((c) => c.path)).toEqual(["env.K"]);
  });
});

describe("planChanges", () => {
  const current = [
    { id: "a1", hostId: "h1", name: "shop", spec: spec() },
    { id: "a2", hostId: "h1", name: "old", spec: spec({ name: "old" }) },
    { id: "a3", hostId: "h2", name: "elsewhere", spec: spec({ name: "elsewhere", hostId: "h2" }) },
  ];

  it("plans a create, a change, and a removal only within the scoped hosts", () => {
    const wanted = [
      { hostId: "h1", name: "shop", spec: spec({ processes: 4 }) },
      { hostId: "h1", name: "new", spec: spec({ name: "new" }) },
    ];
    const plan = planChanges(wanted, current, { prune: false, scopeHostIds: new Set(["h1"]) });
    expect(plan.map((e) => `${e.kind}:${e.name}`)).toEqual(["change:shop", "create:new", "remove:old"]);
    expect(actionable(plan).map((e) => e.name)).toEqual(["shop", "new"]); // no --prune: old is kept
    expect(actionable(planChanges(wanted, current, { prune: true, scopeHostIds: new Set(["h1"]) })).map((e) => e.name)).toEqual(["shop", "new", "old"]);
  });

  it("is empty when the file matches", () => {
    const wanted = current.map((c) => ({ hostId: c.hostId, name: c.name, spec: c.spec }));
    expect(planChanges(wanted, current, { prune: true, scopeHostIds: new Set(["h1", "h2"]) })).toEqual([]);
  });

  it("shows a kept secret and a new secret value apart, never the value", () => {
    const kept = { id: "a1", hostId: "h1", name: "shop", spec: spec({ env: { K: { secret: { set: true } } } }) };
    const text = formatPlan(planChanges([{ hostId: "h1", name: "shop", spec: spec({ env: { K: { secret: "s3cret" } } }) }], [kept], { prune: false, scopeHostIds: new Set() }), (id) => id);
    expect(text).toContain("env.K: (secret) → (new secret value)");
    expect(text).not.toContain("s3cret");
  });

  it("prints the plan with secrets masked and says what --prune would do", () => {
    const wanted = [{ hostId: "h1", name: "shop", spec: spec({ env: { A: { secret: "hunter2" } } }) }];
    const text = formatPlan(planChanges(wanted, current, { prune: false, scopeHostIds: new Set(["h1"]) }), (id) => `host-${id}`);
    expect(text).toContain("~ change shop (host host-h1)");
    expect(text).toContain('env.A: "1" → (new secret value)');
    expect(text).not.toContain("hunter2");
    expect(text).toContain("keep old (host host-h1): not in the file (apply --prune would remove it)");
    expect(text).toContain("Plan: 0 to create, 1 to change, 0 to remove.");
  });
});

describe("secrets written as values in the file", () => {
  const stored = { id: "a1", hostId: "h1", name: "shop", spec: spec({ env: { K: { secret: { set: true } }, L: { secret: { set: true } } } }) };
  const plan = (env: Record<string, unknown>, over: Record<string, unknown> = {}) => planChanges([{ hostId: "h1", name: "shop", spec: spec({ env, ...over }) }], [stored], { prune: false, scopeHostIds: new Set() });

  it("asks the control plane about a value written over a stored secret, not about a kept one", () => {
    expect(plan({ K: { secret: "same" }, L: { secret: { set: true } } }).flatMap(secretsToCompare)).toEqual(["K"]);
    expect(plan({ K: "plain", L: { secret: { set: true } } }).flatMap(secretsToCompare)).toEqual([]);
  });

  it("drops a secret the control plane found unchanged: re-planning an applied file is no change", () => {
    const entries = plan({ K: { secret: "same" }, L: { secret: { set: true } } });
    expect(entries).toHaveLength(1);
    expect(settleSecrets(entries, new Map([["a1", new Set(["K"])]]))).toEqual([]);
    expect(formatPlan(settleSecrets(entries, new Map([["a1", new Set(["K"])]])), (id) => id)).toContain("No changes");
  });

  it("keeps a changed secret, and the other fields of the app, as changes", () => {
    const entries = plan({ K: { secret: "new" }, L: { secret: "same" } }, { processes: 3 });
    const settled = settleSecrets(entries, new Map([["a1", new Set(["L"])]]));
    expect(settled.flatMap((e) => (e.kind === "change" ? e.changes.map((c) => c.path) : []))).toEqual(["env.K", "processes"]);
    expect(settleSecrets(entries, new Map())).toEqual(entries); // no answer: everything stays a change
  });
});
