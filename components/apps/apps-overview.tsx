"use client";
// The overview: hosts at a glance and every app with its processes, kept live over /ws/ui.
import Link from "next/link";
import type { AppView, HostView } from "@/lib/protocol/ui-messages";
import { formatDuration } from "../format";
import { useLiveApps } from "../live/use-live-apps";
import { AppSparklines, useSparklines } from "../metrics/app-sparklines";
import { StateBadge } from "../ui/state-badge";
import { AppActions } from "./app-actions";
import { ProcessTable } from "./process-table";

type Props = { apps: AppView[]; hosts: HostView[]; canOperate: boolean };

function appHealth(app: AppView): string {
  if (!app.host.online) return "OFFLINE";
  if (app.processes.some((p) => p.state === "FATAL")) return "FATAL";
  if (app.processes.length && app.processes.every((p) => p.state === "RUNNING")) return "RUNNING";
  if (app.processes.some((p) => p.state === "STARTING" || p.state === "BACKOFF" || p.state === "STOPPING")) return "STARTING";
  return "STOPPED";
}

export function AppsOverview(props: Props) {
  const { apps, hosts } = useLiveApps(props.apps, props.hosts);
  const sparks = useSparklines();
  return (
    <div className="space-y-6">
      <section aria-labelledby="hosts-h">
        <h2 id="hosts-h" className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">
          Hosts
        </h2>
        {hosts.length === 0 ? (
          <div className="rounded-lg border border-dashed border-line bg-panel p-6 text-center text-muted">
            No host is enrolled yet. <Link className="text-accent underline" href="/hosts">Add a host</Link> to run apps.
          </div>
        ) : (
          <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
            {hosts.map((h) => (
              <div key={h.id} className="rounded-lg border border-line bg-panel p-3" data-testid="host-card" data-online={h.online}>
                <div className="flex items-center justify-between">
                  <span className="font-semibold">{h.name}</span>
                  <StateBadge state={h.online ? "ONLINE" : "OFFLINE"} />
                </div>
                <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
                  <dt className="text-muted">OS</dt>
                  <dd className="truncate">{h.facts.os ?? "—"}</dd>
                  <dt className="text-muted">Agent</dt>
                  <dd data-testid="agent-version">{h.facts.agentVersion ?? "—"}</dd>
                  <dt className="text-muted">Uptime</dt>
                  <dd>{h.facts.uptimeS !== undefined ? formatDuration(h.facts.uptimeS) : "—"}</dd>
                  <dt className="text-muted">Load</dt>
                  <dd>{h.facts.loadAvg?.join(" ") ?? "—"}</dd>
                </dl>
              </div>
            ))}
          </div>
        )}
      </section>
      <section aria-labelledby="apps-h">
        <h2 id="apps-h" className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">
          Apps
        </h2>
        {apps.length === 0 ? (
          <div className="rounded-lg border border-dashed border-line bg-panel p-6 text-center text-muted">No apps yet. Use “New app” above, or POST a spec to /api/v1/apps.</div>
        ) : (
          <div className="space-y-3">
            {apps.map((app) => (
              <article key={app.id} className="rounded-lg border border-line bg-panel" data-testid="app-card" data-app={app.name}>
                <header className="flex flex-wrap items-center justify-between gap-2 border-b border-line px-3 py-2">
                  <div className="flex items-center gap-2">
                    <Link href={`/apps/${app.id}`} className="font-semibold hover:underline">
                      {app.name}
                    </Link>
                    <StateBadge state={appHealth(app)} />
                    <span className="text-xs text-muted">
                      on {app.host.name} · {app.socket?.address ?? "no socket"} · rev {app.revision}
                    </span>
                  </div>
                  <AppActions appId={app.id} appName={app.name} running={app.desired !== "stopped"} canOperate={props.canOperate} />
                </header>
                {app.lastError && <p className="border-b border-line bg-red-50 px-3 py-1.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">{app.lastError}</p>}
                <AppSparklines columns={sparks[app.id]} />
                <ProcessTable processes={app.processes} compact />
              </article>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
