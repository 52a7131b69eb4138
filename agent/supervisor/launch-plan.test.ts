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
});
