// One app's page.
import { notFound } from "next/navigation";
import { AppDetail } from "@/components/apps/app-detail";
import { WebConfigPanel } from "@/components/webconfig/web-config-panel";
import { getApp } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";

export default async function AppPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await pageUser();
  const app = await getApp((await params).id, user);
  if (!app.ok) notFound();
  const canEdit = can(user.role, "apps.write");
  const extraTabs = [{ id: "web", label: "Web server", content: <WebConfigPanel appId={app.value.id} canApply={canEdit} defaultServer={app.value.spec.web?.server ?? null} /> }];
  return <AppDetail app={app.value} canOperate={can(user.role, "apps.operate")} canEdit={canEdit} extraTabs={extraTabs} />;
}
