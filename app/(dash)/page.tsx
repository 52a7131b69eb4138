// Overview: hosts and apps with live processes. Only the first page of each is read here; the list
// pages and searches through the API as it is scrolled (components/apps/apps-overview.tsx).
import { AppsOverview } from "@/components/apps/apps-overview";
import { NewAppDialog } from "@/components/apps/new-app-dialog";
import { agentHub } from "@/lib/agents/agent-hub";
import { pageApps } from "@/lib/apps/list-apps";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";
import { db } from "@/lib/db";
import { pageHosts } from "@/lib/hosts/list-hosts";

// Not imported from the client component: a server module gets a client reference, not the value.
const HOST_CARDS = 6;
const DIALOG_HOSTS = 200;

export default async function OverviewPage() {
  const user = await pageUser();
  const [apps, hosts, hostCount] = await Promise.all([pageApps(user, { limit: 50 }), pageHosts({ limit: DIALOG_HOSTS }), db.host.count()]);
  const firstApps = apps.ok ? apps.value : { items: [], nextCursor: null };
  const someHosts = hosts.ok ? hosts.value.items : [];
  const summary = { total: hostCount, online: agentHub().connectedHosts().length, first: someHosts.slice(0, HOST_CARDS), cards: HOST_CARDS };
  return (
    <>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-lg font-semibold">Overview</h1>
        <NewAppDialog hosts={someHosts} canCreate={can(user.role, "apps.write")} />
      </div>
      <AppsOverview apps={firstApps} hosts={summary} canOperate={can(user.role, "apps.operate")} />
    </>
  );
}
