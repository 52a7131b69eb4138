"use client";
// One app on the overview: name, health, host, socket, actions and processes, kept live on its own
// (useLiveApp: a status event for another app does not render this one).
import Link from "next/link";
import type { AppView } from "@/lib/protocol/ui-messages";
import { useLiveApp } from "../live/app-store";
import { AppSparklines } from "../metrics/app-sparklines";
import { StateBadge } from "../ui/state-badge";
import { AppActions } from "./app-actions";
import { ProcessTable } from "./process-table";

export function appHealth(app: AppView): string {
  if (!app.host.online) return "OFFLINE";
  if (app.processes.some((p) => p.state === "FATAL")) return "FATAL";
  if (app.processes.length && app.processes.every((p) => p.state === "RUNNING")) return "RUNNING";
  if (app.processes.some((p) => p.state === "STARTING" || p.state === "BACKOFF" || p.state === "STOPPING")) return "STARTING";
  return "STOPPED";
}

export function AppCard({ initial, canOperate, sparks }: { initial: AppView; canOperate: boolean; sparks: Parameters<typeof AppSparklines>[0]["columns"] }) {
  const app = useLiveApp(initial.id) ?? initial;
  return (
    <article className="rounded-lg border border-line bg-panel" data-testid="app-card" data-app={app.name}>
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
        <AppActions appId={app.id} appName={app.name} running={app.desired !== "stopped"} canOperate={canOperate} />
      </header>
      {app.lastError && <p className="border-b border-line bg-red-50 px-3 py-1.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">{app.lastError}</p>}
      <AppSparklines columns={sparks} />
      <ProcessTable processes={app.processes} compact />
    </article>
  );
}
