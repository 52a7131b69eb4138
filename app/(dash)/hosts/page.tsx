// Hosts: status and facts of the enrolled agents, a page at a time (?q= to search by name, ?cursor=
// for the next page), and enrolling a new one.
import Link from "next/link";
import { AddHostDialog } from "@/components/hosts/add-host-dialog";
import { HostsTable } from "@/components/hosts/hosts-table";
import { RunAsUsersPanel } from "@/components/hosts/run-as-users-panel";
import { WebServersPanel } from "@/components/hosts/web-servers-panel";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";
import { db } from "@/lib/db";
import { pageHosts } from "@/lib/hosts/list-hosts";
import { getHostRunAsUsers } from "@/lib/hosts/run-as-users";
import { getHostWebServers } from "@/lib/hosts/web-targets";
import { servedBuild } from "@/lib/hosts/upgrade-agent";
import { ListQuerySchema } from "@/lib/protocol";

const PAGE = 50;

export default async function HostsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await pageUser();
  const raw = await searchParams;
  const parsed = ListQuerySchema.safeParse({ q: typeof raw.q === "string" ? raw.q : undefined, cursor: typeof raw.cursor === "string" ? raw.cursor : undefined });
  const query = parsed.success ? parsed.data : {};
  const page = await pageHosts({ ...query, limit: PAGE });
  const hosts = page.ok ? page.value.items : [];
  const counted = await db.app.groupBy({ by: ["hostId"], where: { hostId: { in: hosts.map((h) => h.id) } }, _count: { _all: true } });
  const appCounts = Object.fromEntries(counted.map((c) => [c.hostId, c._count._all]));
  const webServers = await Promise.all(hosts.map(async (h) => ({ host: h, view: await getHostWebServers(h.id), runAs: await getHostRunAsUsers(h.id) })));
  // The build each host's agent would be upgraded to (per arch; none where this control plane has no bundle).
  const arches = [...new Set(hosts.map((h) => h.facts.arch).filter((a): a is string => !!a))];
  const servedBuilds = Object.fromEntries((await Promise.all(arches.map(async (a) => [a, await servedBuild(a)] as const))).filter((e): e is [string, string] => e[1] !== null));
  const next = page.ok && page.value.nextCursor ? `?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), cursor: page.value.nextCursor })}` : null;
  return (
    <>
      <div className="mb-4 flex items-center justify-between gap-3">
        <h1 className="text-lg font-semibold">Hosts</h1>
        <form className="ml-auto min-w-0 flex-1 sm:flex-none" action="">
          <input name="q" defaultValue={query.q ?? ""} placeholder="Search hosts" aria-label="Search hosts" className="w-full rounded-md border border-line bg-panel px-2 py-1 text-sm sm:w-56" />
        </form>
        <AddHostDialog canManage={can(user.role, "hosts.manage")} />
      </div>
      {!page.ok && <p className="mb-2 text-sm text-red-600">{page.message}</p>}
      {/* A newly enrolled host appears live only where every host is shown: the first and only page, unfiltered. */}
      <HostsTable key={`${query.q ?? ""}|${query.cursor ?? ""}`} hosts={hosts} appCounts={appCounts} canOperate={can(user.role, "apps.operate")} canManage={can(user.role, "hosts.manage")} canWrite={can(user.role, "apps.write")} servedBuilds={servedBuilds} maxHosts={!query.q && !query.cursor && !next ? PAGE : 0} />
      <div className="mt-3 flex gap-3 text-sm">
        {query.cursor && (
          <Link className="text-accent underline" href={query.q ? `?q=${encodeURIComponent(query.q)}` : "?"}>
            First page
          </Link>
        )}
        {next && (
          <Link className="text-accent underline" href={next} data-testid="hosts-next">
            Next {PAGE} hosts
          </Link>
        )}
      </div>
      <div className="mt-6 space-y-4">
        {webServers.map(({ host, view, runAs }) => (
          <div key={host.id} className="space-y-4">
            {view.ok ? <WebServersPanel hostId={host.id} hostName={host.name} initial={view.value} canManage={can(user.role, "hosts.web-servers")} /> : null}
            {runAs.ok ? <RunAsUsersPanel hostId={host.id} hostName={host.name} initial={runAs.value} canEdit={can(user.role, "hosts.run-as")} /> : null}
          </div>
        ))}
      </div>
    </>
  );
}
