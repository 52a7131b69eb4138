// One app's page.
import { notFound } from "next/navigation";
import { AppDetail } from "@/components/apps/app-detail";
import { getApp } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";

export default async function AppPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await pageUser();
  const app = await getApp((await params).id, user);
  if (!app.ok) notFound();
  return <AppDetail app={app.value} canOperate={can(user.role, "apps.operate")} canEdit={can(user.role, "apps.write")} />;
}
