// Hosts: status and facts of every enrolled agent, and enrolling a new one.
import { AddHostDialog } from "@/components/hosts/add-host-dialog";
import { HostsTable } from "@/components/hosts/hosts-table";
import { listApps } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";
import { listHosts } from "@/lib/hosts/list-hosts";

export default async function HostsPage() {
  const user = await pageUser();
  const [hosts, apps] = await Promise.all([listHosts(), listApps(user)]);
  const appCounts: Record<string, number> = {};
  for (const a of apps) appCounts[a.host.id] = (appCounts[a.host.id] ?? 0) + 1;
  return (
    <>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-lg font-semibold">Hosts</h1>
        <AddHostDialog canManage={can(user.role, "hosts.manage")} />
      </div>
      <HostsTable hosts={hosts} appCounts={appCounts} />
    </>
  );
}
