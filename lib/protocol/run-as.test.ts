import { describe, expect, it } from "vitest";
import { decideRunAs, resolveRunAs } from "./run-as";

const uids: Record<string, number> = { root: 0, toor: 0, "www-data": 33, agent: 1000 };
const lookupUid = (n: string) => uids[n] ?? null;

describe("decideRunAs (control plane)", () => {
  it("refuses root to anyone but the owner, for every purpose", () => {
    for (const purpose of ["app", "build", "run-by-hand", "doctor", "terminal"] as const) {
      const r = decideRunAs({ purpose, user: "root", actorIsOwner: false });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe("FORBIDDEN");
      expect(decideRunAs({ purpose, user: "root", actorIsOwner: true })).toEqual({ ok: true, value: { rootApproved: true } });
    }
  });

  it("lets anyone with the route's role pick an unprivileged user", () => {
    expect(decideRunAs({ purpose: "app", user: "www-data", actorIsOwner: false }).ok).toBe(true);
  });

  it("treats group root like root: the owner's, or on the owner's list", () => {
    const r = decideRunAs({ purpose: "app", user: "www-data", group: "root", actorIsOwner: false });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields?.[0]?.path).toBe("group");
    expect(decideRunAs({ purpose: "app", user: "www-data", group: "root", actorIsOwner: false, allowedUsers: ["www-data"] }).ok).toBe(false);
    expect(decideRunAs({ purpose: "app", user: "www-data", group: "root", actorIsOwner: false, allowedUsers: ["www-data", "root"] })).toEqual({ ok: true, value: { rootApproved: true } });
    expect(decideRunAs({ purpose: "app", user: "www-data", group: "root", actorIsOwner: true })).toEqual({ ok: true, value: { rootApproved: true } });
    expect(decideRunAs({ purpose: "app", user: "www-data", group: "www-data", actorIsOwner: false })).toEqual({ ok: true, value: { rootApproved: false } });
  });
});

describe("decideRunAs with a host's allowed users", () => {
  const allowedUsers = ["www-data", "app1"];
  it("lets a non-owner choose only a listed user, and names the list and who changes it otherwise", () => {
    expect(decideRunAs({ purpose: "app", user: "app1", actorIsOwner: false, allowedUsers }).ok).toBe(true);
    for (const user of ["nobody", "root", undefined]) {
      const r = decideRunAs({ purpose: "terminal", user, actorIsOwner: false, allowedUsers });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe("FORBIDDEN");
        expect(r.message).toContain('"www-data", "app1"');
        expect(r.message).toContain("Only an owner");
      }
    }
  });

  it("treats root on the owner's list as the owner's approval, and an empty list as no one", () => {
    expect(decideRunAs({ purpose: "build", user: "root", actorIsOwner: false, allowedUsers: ["root"] })).toEqual({ ok: true, value: { rootApproved: true } });
    expect(decideRunAs({ purpose: "build", user: "www-data", actorIsOwner: false, allowedUsers: [] }).ok).toBe(false);
  });

  it("does not bind the owner, who edits the list", () => {
    expect(decideRunAs({ purpose: "app", user: "nobody", actorIsOwner: true, allowedUsers }).ok).toBe(true);
  });
});

describe("resolveRunAs (agent)", () => {
  const root = { name: "root", uid: 0 };
  it("never turns an omitted user into root on a root agent", () => {
    const r = resolveRunAs({ purpose: "app", user: undefined, agent: root, lookupUid, rootApproved: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("never means root");
  });

  it("uses a non-root agent's own user when none is given", () => {
    expect(resolveRunAs({ purpose: "app", user: undefined, agent: { name: "agent", uid: 1000 }, lookupUid, rootApproved: false })).toEqual({ ok: true, user: "agent" });
  });

  it("refuses uid 0 under any name without the owner's approval", () => {
    for (const user of ["root", "toor"]) {
      expect(resolveRunAs({ purpose: "build", user, agent: root, lookupUid, rootApproved: false }).ok).toBe(false);
      expect(resolveRunAs({ purpose: "build", user, agent: root, lookupUid, rootApproved: true })).toEqual({ ok: true, user });
    }
    expect(resolveRunAs({ purpose: "terminal", user: "www-data", agent: root, lookupUid, rootApproved: false })).toEqual({ ok: true, user: "www-data" });
  });
});
