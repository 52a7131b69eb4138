// Deployments through the API as the deploy tests drive them: start one and wait for its end.
import { expect } from "vitest";
import type { DeploymentView } from "@/lib/protocol";
import { type tokenCaller, waitUntil } from "./stack";

export function deploymentsApi(call: ReturnType<typeof tokenCaller>) {
  /** Resolves with the deployment once it is no longer running (90 s at most). */
  const finished = (id: string): Promise<DeploymentView> =>
    waitUntil(
      async () => {
        const d = (await call<DeploymentView>("GET", `/deployments/${id}`)).body;
        return d.status !== "running" ? d : null;
      },
      90_000,
      `deployment ${id}`,
    );
  /** Deploys `ref` of the app's repository; resolves with the finished deployment. */
  const deploy = async (appId: string, ref: string): Promise<DeploymentView> => {
    const res = await call<DeploymentView>("POST", `/apps/${appId}/deployments`, { ref });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return finished(res.body.id);
  };
  return { finished, deploy };
}
