"use client";
// One app: live header and processes, then tabs (in the URL) for logs, tracebacks, spec and test requests.
import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Tabs } from "radix-ui";
import type { ReactNode } from "react";
import type { AppView } from "@/lib/protocol/ui-messages";
import { useLiveApps } from "../live/use-live-apps";
import { LogView } from "../logs/log-view";
import { MetricsPanel } from "../metrics/metrics-panel";
import { TracebacksPanel } from "../logs/tracebacks-panel";
import { StateBadge } from "../ui/state-badge";
import { AppActions } from "./app-actions";
import { DeleteAppDialog } from "./delete-app-dialog";
import { MuteButton } from "./mute-button";
import { PendingRevision, RevisionText } from "./pending-revision";
import { ProcessActions } from "./process-actions";
import { ProcessManagerSummary } from "./process-manager-summary";
import { ProcessTable } from "./process-table";
import { SchedulesPanel } from "./schedules-panel";
import { WorkersPanel } from "./workers-panel";
import { SpecEditor } from "./spec-editor";
import { TestRequestPanel } from "./test-request-panel";

type Props = { app: AppView; canOperate: boolean; canEdit: boolean; canMute?: boolean; extraTabs?: { id: string; label: string; content: ReactNode }[] };

export function AppDetail(props: Props) {
  const { apps } = useLiveApps([props.app], []);
  const app = apps[0];
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const tab = params.get("tab") ?? "processes";
  const setTab = (t: string) => router.replace(`${pathname}?tab=${t}`, { scroll: false });
  const tabs = [
    { id: "processes", label: "Processes" },
    { id: "workers", label: "Workers" },
    { id: "schedules", label: "Schedules" },
    { id: "metrics", label: "Metrics" },
    { id: "logs", label: "Logs" },
    { id: "tracebacks", label: "Tracebacks" },
    { id: "test", label: "Test request" },
    ...(props.extraTabs ?? []).map(({ id, label }) => ({ id, label })),
    { id: "spec", label: "Spec" },
  ];
  return (
    <div className="space-y-4">
      <Link href="/" className="inline-flex items-center gap-1 text-xs text-muted hover:text-ink">
        <ArrowLeft className="size-3.5" aria-hidden /> All apps
      </Link>
      <header className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="flex items-center gap-2 text-lg font-semibold">
            {app.name} <StateBadge state={app.host.online ? (app.desired === "stopped" ? "STOPPED" : "RUNNING") : "OFFLINE"} />
          </h1>
          <p className="text-xs text-muted">
            on {app.host.name} · socket <code>{app.socket?.address ?? "—"}</code> {app.socket && `(${[app.socket.state, `${app.socket.owner} ${app.socket.mode}`.trim()].filter(Boolean).join(", ")})`} · <RevisionText app={app} />
          </p>
        </div>
        <div className="flex flex-wrap gap-1.5">
          <AppActions appId={app.id} appName={app.name} running={app.desired !== "stopped"} canOperate={props.canOperate} />
          <MuteButton appId={app.id} appName={app.name} canMute={props.canMute ?? false} />
          {props.canEdit && <DeleteAppDialog appId={app.id} appName={app.name} hostName={app.host.name} canEdit={props.canEdit} />}
        </div>
      </header>
      {app.lastError && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">{app.lastError}</p>}
      <PendingRevision app={app} canEdit={props.canEdit} />
      <Tabs.Root value={tab} onValueChange={setTab}>
        {/* Wraps rather than running off a phone's edge: ten tabs are wider than 390 px. */}
        <Tabs.List className="flex flex-wrap gap-x-1 border-b border-line" aria-label="App sections">
          {tabs.map((t) => (
            <Tabs.Trigger key={t.id} value={t.id} className="-mb-px shrink-0 whitespace-nowrap border-b-2 border-transparent px-3 py-1.5 text-muted hover:text-ink data-[state=active]:border-accent data-[state=active]:text-ink">
              {t.label}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <div className="pt-4">
          <Tabs.Content value="processes" className="rounded-lg border border-line bg-panel">
            <ProcessManagerSummary pm={app.pm} />
            <ProcessTable processes={app.processes} actions={(p) => <ProcessActions appId={app.id} process={p} canOperate={props.canOperate} />} />
          </Tabs.Content>
          <Tabs.Content value="workers">
            <WorkersPanel appId={app.id} specWorkers={app.spec.workers ?? []} workers={app.workers ?? []} canOperate={props.canOperate} />
          </Tabs.Content>
          <Tabs.Content value="schedules">{tab === "schedules" && <SchedulesPanel appId={app.id} hasSchedules={(app.spec.schedules ?? []).length > 0} />}</Tabs.Content>
          <Tabs.Content value="metrics">{tab === "metrics" && <MetricsPanel appId={app.id} />}</Tabs.Content>
          <Tabs.Content value="logs">{tab === "logs" && <LogView appId={app.id} processes={app.processes} />}</Tabs.Content>
          <Tabs.Content value="tracebacks">{tab === "tracebacks" && <TracebacksPanel appId={app.id} />}</Tabs.Content>
          <Tabs.Content value="test">
            <TestRequestPanel appId={app.id} canOperate={props.canOperate} defaultPath={app.spec.ready.path} />
          </Tabs.Content>
          {(props.extraTabs ?? []).map((t) => (
            <Tabs.Content key={t.id} value={t.id}>
              {tab === t.id && t.content}
            </Tabs.Content>
          ))}
          <Tabs.Content value="spec">
            <SpecEditor appId={app.id} spec={props.app.spec} host={props.app.host} canEdit={props.canEdit} />
          </Tabs.Content>
        </div>
      </Tabs.Root>
    </div>
  );
}
