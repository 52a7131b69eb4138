// Overview: hosts and apps with live processes.
import { AppsOverview } from "@/components/apps/apps-overview";
import { listApps } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";
import { listHosts } from "@/lib/hosts/list-hosts";

export default async function OverviewPage() {
  const user = await pageUser();
  const [apps, hosts] = await Promise.all([listApps(user), listHosts()]);
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">Overview</h1>
      <AppsOverview apps={apps} hosts={hosts} canOperate={can(user.role, "apps.operate")} />
    </>
  );
}
