import { describe, expect, it } from "vitest";
import { AppSpecSchema } from "../../lib/protocol";
import { planLaunch } from "./launch-plan";

const base = { name: "svc", hostId: "h1", command: ["/bin/true"], socket: { path: "/run/stoker/svc.sock" } };

describe("planLaunch", () => {
  it("starts an app of a user whose home does not exist (nobody: /nonexistent) in /", () => {
    const plan = planLaunch(AppSpecSchema.parse({ ...base, user: "nobody" }), ["/run/stoker"]);
    expect(plan.ok && plan.value.cwd).toBe("/");
  });

  it("keeps the spec's cwd", () => {
    const plan = planLaunch(AppSpecSchema.parse({ ...base, user: "nobody", cwd: "/tmp" }), ["/run/stoker"]);
    expect(plan.ok && plan.value.cwd).toBe("/tmp");
  });

  it("hands a secret env value to the process as a plain string (the plan apps, run-by-hand, the doctor and terminals share)", () => {
    const plan = planLaunch(AppSpecSchema.parse({ ...base, user: "nobody", env: { DB_PASSWORD: { secret: "to-the-process" } } }), ["/run/stoker"]);
    expect(plan.ok && plan.value.env.DB_PASSWORD).toBe("to-the-process");
  });

  it("does not echo a secret PATH in its error", () => {
    const plan = planLaunch(AppSpecSchema.parse({ ...base, command: ["no-such-program"], user: "nobody", env: { PATH: { secret: "/secret/bin" } } }), ["/run/stoker"]);
    expect(plan.ok).toBe(false);
    expect(JSON.stringify(plan)).not.toContain("/secret/bin");
  });

  it("runs with group root (gid 0) only with the owner's approval, as a root agent sees it (the tests run as root, like the agent)", () => {
    const spec = AppSpecSchema.parse({ ...base, user: "nobody", group: "root" });
    const refused = planLaunch(spec, ["/run/stoker"]);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.fields?.map((f) => f.path)).toContain("group");
    const approved = planLaunch(spec, ["/run/stoker"], { purpose: "app", rootApproved: true });
    expect(approved.ok && approved.value.gid).toBe(0);
  });
});
