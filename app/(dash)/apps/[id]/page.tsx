// One app's page.
import { notFound } from "next/navigation";
import { AppDetail } from "@/components/apps/app-detail";
import { agentHub } from "@/lib/agents/agent-hub";
import { EventsPanel } from "@/components/apps/events-panel";
import { DebugPanel } from "@/components/debug/debug-panel";
import { DeployPanel } from "@/components/deploy/deploy-panel";
import { WebConfigPanel } from "@/components/webconfig/web-config-panel";
import { getApp } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";

export default async function AppPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await pageUser();
  const app = await getApp((await params).id, user);
  if (!app.ok) notFound();
  const canEdit = can(user.role, "apps.write");
  const prematureErrors = agentHub().apps.get(app.value.id)?.prematureErrors ?? 0;
  const failing = prematureErrors > 0 || app.value.processes.some((p) => p.state === "FATAL" || p.state === "BACKOFF");
  const deploy = app.value.spec.deploy;
  const extraTabs = [
    { id: "events", label: "Events", content: <EventsPanel appId={app.value.id} /> },
    ...(deploy
      ? [{ id: "deploy", label: "Deploy", content: <DeployPanel appId={app.value.id} canDeploy={canEdit} defaultRef={"git" in deploy.source ? deploy.source.ref : null} /> }]
      : []),
    { id: "web", label: "Web server", content: <WebConfigPanel appId={app.value.id} canApply={canEdit} defaultServer={app.value.spec.web?.server ?? null} /> },
    { id: "debug", label: "Debug", content: <DebugPanel appId={app.value.id} appUser={app.value.spec.user ?? "root"} canOperate={can(user.role, "apps.operate")} suggestDoctor={failing} /> },
  ];
  return <AppDetail app={app.value} canOperate={can(user.role, "apps.operate")} canEdit={canEdit} canMute={can(user.role, "alerts.write")} extraTabs={extraTabs} />;
}
