// Hosts: status and facts of every enrolled agent, and enrolling a new one.
import { AddHostDialog } from "@/components/hosts/add-host-dialog";
import { HostsTable } from "@/components/hosts/hosts-table";
import { RunAsUsersPanel } from "@/components/hosts/run-as-users-panel";
import { WebServersPanel } from "@/components/hosts/web-servers-panel";
import { listApps } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";
import { listHosts } from "@/lib/hosts/list-hosts";
import { getHostRunAsUsers } from "@/lib/hosts/run-as-users";
import { getHostWebServers } from "@/lib/hosts/web-targets";

export default async function HostsPage() {
  const user = await pageUser();
  const [hosts, apps] = await Promise.all([listHosts(), listApps(user)]);
  const appCounts: Record<string, number> = {};
  for (const a of apps) appCounts[a.host.id] = (appCounts[a.host.id] ?? 0) + 1;
  const webServers = await Promise.all(hosts.map(async (h) => ({ host: h, view: await getHostWebServers(h.id), runAs: await getHostRunAsUsers(h.id) })));
  return (
    <>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-lg font-semibold">Hosts</h1>
        <AddHostDialog canManage={can(user.role, "hosts.manage")} />
      </div>
      <HostsTable hosts={hosts} appCounts={appCounts} canOperate={can(user.role, "apps.operate")} />
      <div className="mt-6 space-y-4">
        {webServers.map(({ host, view, runAs }) => (
          <div key={host.id} className="space-y-4">
            {view.ok ? <WebServersPanel hostId={host.id} hostName={host.name} initial={view.value} canManage={can(user.role, "hosts.manage")} /> : null}
            {runAs.ok ? <RunAsUsersPanel hostId={host.id} hostName={host.name} initial={runAs.value} canEdit={can(user.role, "hosts.run-as")} /> : null}
          </div>
        ))}
      </div>
    </>
  );
}
