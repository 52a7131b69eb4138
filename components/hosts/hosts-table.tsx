"use client";
// Every enrolled host with live status and facts.
import type { HostView } from "@/lib/protocol/ui-messages";
import { formatBytes, formatDuration } from "../format";
import { useLiveApps } from "../live/use-live-apps";
import { StateBadge } from "../ui/state-badge";
import { DiscoverAppsDialog } from "./discover-apps-dialog";
import { StopHostAppsButton } from "./stop-host-apps-button";
import { TableHead } from "../ui/table-head";
import { UpgradeAgentButton } from "./upgrade-agent-button";
import { LocalTime } from "../ui/local-time";

type Storage = NonNullable<HostView["facts"]["storage"]>;

function DiskCell({ storage }: { storage: Storage | undefined }) {
  if (!storage) return <>—</>;
  const room = storage.freeBytes !== null && storage.totalBytes ? `${formatBytes(storage.freeBytes)} free of ${formatBytes(storage.totalBytes)}` : "";
  if (!storage.full) return <span className="text-xs">{room || "ok"}</span>;
  return (
    <span className="text-xs font-semibold text-red-600" data-testid="disk-full">
      disk full{room ? ` (${room})` : ""}
    </span>
  );
}

/** The alert for hosts whose agent cannot store app output: what is happening since when, and what it costs. */
export function DiskFullAlerts({ hosts }: { hosts: HostView[] }) {
  const full = hosts.filter((h) => h.facts.storage?.full);
  if (!full.length) return null;
  return (
    <div role="alert" className="space-y-1 rounded-lg border border-red-600/40 bg-red-600/10 p-3 text-sm" data-testid="disk-full-alert">
      {full.map((h) => {
        const s = h.facts.storage as Storage;
        return (
          <p key={h.id}>
            <strong>Disk full on {h.name}</strong> since {s.since ? <LocalTime value={s.since} /> : "now"}: output of {s.appsAffected} app
            {s.appsAffected === 1 ? "" : "s"} is counted but not stored ({s.path}). Apps keep running; logging resumes by itself once space is freed.
          </p>
        );
      })}
    </div>
  );
}

/** The agent's version and build, and an upgrade button when this control plane serves another build for it. */
function AgentCell({ host, servedBuilds, canManage }: { host: HostView; servedBuilds: Record<string, string>; canManage: boolean }) {
  const { agentVersion, agentBuild, agentUpgradable, arch } = host.facts;
  const served = arch ? servedBuilds[arch] : undefined;
  return (
    <div className="flex flex-wrap items-center gap-2">
      <span className="font-mono text-xs" data-testid="host-agent-version" title={agentBuild ? `build ${agentBuild}` : "runs from a checkout"}>
        {agentVersion ?? "—"}
        {agentBuild ? <span className="text-muted"> ({agentBuild.slice(0, 8)})</span> : null}
      </span>
      {host.online && agentUpgradable && agentBuild && served && served !== agentBuild ? (
        <UpgradeAgentButton hostId={host.id} hostName={host.name} from={agentBuild.slice(0, 8)} to={served.slice(0, 8)} canManage={canManage} />
      ) : null}
    </div>
  );
}

/** A cell shown from md up: the facts a phone-width card leaves out. */
const WIDE = "px-3 py-2 max-md:hidden";

type TableProps = { hosts: HostView[]; appCounts: Record<string, number>; canOperate?: boolean; canManage?: boolean; canWrite?: boolean; maxHosts?: number; servedBuilds?: Record<string, string> };

export function HostsTable({ hosts: initial, appCounts, canOperate = false, canManage = false, canWrite = false, maxHosts = 0, servedBuilds = {} }: TableProps) {
  const { hosts } = useLiveApps([], initial, maxHosts);
  if (!hosts.length) return <p className="rounded-lg border border-dashed border-line bg-panel p-6 text-center text-muted">No host is enrolled yet. Use “Add host”.</p>;
  return (
    <div className="space-y-3">
      <DiskFullAlerts hosts={hosts} />
      {/* Below md each row is a card (name, status, agent, apps, then the actions on a line of their
          own): twelve columns at phone width scrolled sideways to reach Discover. */}
      <table className="w-full rounded-lg border border-line bg-panel text-left max-md:block">
        <TableHead className="max-md:hidden" columns={["Host", "Status", "OS", "Agent", "Uptime", "CPUs", "Memory", "Load", "Disk", "Apps", "Last seen", ""]} />
        <tbody className="max-md:block">
          {hosts.map((h) => (
            <tr key={h.id} className="border-t border-line/60 max-md:flex max-md:flex-wrap max-md:items-center max-md:first:border-t-0" data-testid="host-row">
              <td className="px-3 py-2 font-semibold">{h.name}</td>
              <td className="px-3 py-2">
                <StateBadge state={h.online ? "ONLINE" : "OFFLINE"} />
              </td>
              <td className={WIDE}>{h.facts.os ?? "—"}</td>
              <td className="px-3 py-2">
                <AgentCell host={h} servedBuilds={servedBuilds} canManage={canManage} />
              </td>
              <td className={WIDE}>{h.facts.uptimeS !== undefined ? formatDuration(h.facts.uptimeS) : "—"}</td>
              <td className={WIDE}>{h.facts.cpus ?? "—"}</td>
              <td className={WIDE}>{h.facts.memBytes ? formatBytes(h.facts.memBytes) : "—"}</td>
              <td className={`${WIDE} font-mono text-xs`}>{h.facts.loadAvg?.join(" ") ?? "—"}</td>
              <td className={WIDE}>
                <DiskCell storage={h.facts.storage} />
              </td>
              <td className="px-3 py-2">
                {appCounts[h.id] ?? 0}
                <span className="md:hidden"> app{(appCounts[h.id] ?? 0) === 1 ? "" : "s"}</span>
              </td>
              <td className={`${WIDE} text-xs text-muted`}>{h.lastSeenAt ? <LocalTime value={h.lastSeenAt} /> : "never"}</td>
              <td className="flex justify-end gap-2 px-3 py-2 max-md:w-full max-md:justify-start">
                <DiscoverAppsDialog hostId={h.id} hostName={h.name} canWrite={canWrite} />
                <StopHostAppsButton hostId={h.id} hostName={h.name} appCount={appCounts[h.id] ?? 0} canOperate={canOperate} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
