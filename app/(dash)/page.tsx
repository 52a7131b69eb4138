// Overview: hosts and apps with live processes.
import { AppsOverview } from "@/components/apps/apps-overview";
import { NewAppDialog } from "@/components/apps/new-app-dialog";
import { listApps } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";
import { listHosts } from "@/lib/hosts/list-hosts";

export default async function OverviewPage() {
  const user = await pageUser();
  const [apps, hosts] = await Promise.all([listApps(user), listHosts()]);
  return (
    <>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-lg font-semibold">Overview</h1>
        <NewAppDialog hosts={hosts} canCreate={can(user.role, "apps.write")} />
      </div>
      <AppsOverview apps={apps} hosts={hosts} canOperate={can(user.role, "apps.operate")} />
    </>
  );
}
