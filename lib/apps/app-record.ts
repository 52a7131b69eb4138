// Converts stored app rows into the spec, the agent's desired state and the API's view.
import "server-only";
import type { App, Host } from "@/generated/prisma/client";
import { agentHub } from "../agents/agent-hub";
import { type AppSpec, AppSpecSchema, type AppView, type DesiredApp, publicEnv } from "../protocol";
import { openEnv, publicStoredEnv } from "./app-secrets";

function storedJson(app: App): Record<string, unknown> & { env?: Record<string, unknown> } {
  return JSON.parse(app.spec) as Record<string, unknown> & { env?: Record<string, unknown> };
}

/** The spec as everyone may see it: secret env values are `{"secret": {"set": true}}`, never the value. */
export function specOf(app: App): AppSpec {
  const stored = storedJson(app);
  return AppSpecSchema.parse({ ...stored, env: publicStoredEnv(stored.env ?? {}), hostId: app.hostId });
}

// Parsing a spec costs ~0.1 ms: every list call would parse each app on its page again. The view's
// spec depends only on the stored text and the host, so it is parsed once per change (and never
// mutated: maskSpec copies).
const viewSpecs = new Map<string, { text: string; spec: AppSpec }>();
function viewSpecOf(app: App): AppSpec {
  const text = `${app.hostId}\n${app.spec}`;
  const hit = viewSpecs.get(app.id);
  if (hit?.text === text) return hit.spec;
  const spec = specOf(app);
  if (viewSpecs.size >= 20_000) viewSpecs.clear(); // bounded
  viewSpecs.set(app.id, { text, spec });
  return spec;
}

/** The stored env as it is in the database (secrets sealed), for the next save to keep values from. */
export function storedEnvOf(app: App): Record<string, unknown> {
  return storedJson(app).env ?? {};
}

/** The spec with secret values opened: only for the agent, which hands them to processes. */
export function agentSpecOf(app: App): AppSpec {
  const stored = storedJson(app);
  return AppSpecSchema.parse({ ...stored, env: openEnv(stored.env ?? {}, { hostId: app.hostId, name: app.name }), hostId: app.hostId });
}

export function desiredOf(app: App): DesiredApp {
  return {
    appId: app.id,
    revision: app.revision,
    desired: app.desired === "stopped" ? "stopped" : "running",
    spec: agentSpecOf(app),
    rootApproved: app.rootApprovedBy !== null,
  };
}

/** Secrets are write-only for everyone; below admin plain env values are masked too (names stay visible). */
export function maskSpec(spec: AppSpec, showSecrets: boolean): AppSpec {
  return { ...spec, env: publicEnv(spec.env, !showSecrets) };
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
    workers: live?.workers ?? [],
    socket: live?.socket ?? null,
    lastError: live?.lastError ?? "",
    pm: live?.pm ?? null,
    spec: maskSpec(viewSpecOf(app), showSecrets),
  };
}
