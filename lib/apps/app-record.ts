// Converts stored app rows into the spec, the agent's desired state and the API's view.
import "server-only";
import type { App, Host } from "@/generated/prisma/client";
import { agentHub } from "../agents/agent-hub";
import { type AppSpec, AppSpecSchema, type AppView, type DesiredApp } from "../protocol";

export function specOf(app: App): AppSpec {
  return AppSpecSchema.parse({ ...JSON.parse(app.spec), hostId: app.hostId });
}

export function desiredOf(app: App): DesiredApp {
  return {
    appId: app.id,
    revision: app.revision,
    desired: app.desired === "stopped" ? "stopped" : "running",
    spec: specOf(app),
    rootApproved: app.rootApprovedBy !== null,
  };
}


/** Env values are secrets for everyone below admin: names stay visible, values are masked. */
export function maskSpec(spec: AppSpec, showSecrets: boolean): AppSpec {
  if (showSecrets) return spec;
  return { ...spec, env: Object.fromEntries(Object.keys(spec.env).map((k) => [k, "••••"])) };
}

export function appView(app: App & { host: Host }, showSecrets: boolean): AppView {
  const hub = agentHub();
  const live = hub.apps.get(app.id);
  return {
    id: app.id,
    name: app.name,
    revision: app.revision,
    // Before the agent reports, nothing is known to run; after, what it runs (see agent revisions.ts).
    runningRevision: live ? live.runningRevision : null,
    failedRevision: live ? live.failedRevision : null,
    desired: app.desired,
    host: { id: app.host.id, name: app.host.name, online: hub.isOnline(app.hostId) },
    processes: live?.processes ?? [],
    socket: live?.socket ?? null,
    lastError: live?.lastError ?? "",
    spec: maskSpec(specOf(app), showSecrets),
  };
}
