"use client";
// Every enrolled host with live status and facts.
import type { HostView } from "@/lib/protocol/ui-messages";
import { formatBytes, formatDuration } from "../format";
import { useLiveApps } from "../live/use-live-apps";
import { StateBadge } from "../ui/state-badge";
import { TableHead } from "../ui/table-head";

export function HostsTable({ hosts: initial, appCounts }: { hosts: HostView[]; appCounts: Record<string, number> }) {
  const { hosts } = useLiveApps([], initial);
  if (!hosts.length) return <p className="rounded-lg border border-dashed border-line bg-panel p-6 text-center text-muted">No host is enrolled yet. Use “Add host”.</p>;
  return (
    <table className="w-full rounded-lg border border-line bg-panel text-left">
      <TableHead columns={["Host", "Status", "OS", "Agent", "Uptime", "CPUs", "Memory", "Load", "Apps", "Last seen"]} />
      <tbody>
        {hosts.map((h) => (
          <tr key={h.id} className="border-t border-line/60" data-testid="host-row">
            <td className="px-3 py-2 font-semibold">{h.name}</td>
            <td className="px-3 py-2">
              <StateBadge state={h.online ? "ONLINE" : "OFFLINE"} />
            </td>
            <td className="px-3 py-2">{h.facts.os ?? "—"}</td>
            <td className="px-3 py-2 font-mono text-xs">{h.facts.agentVersion ?? "—"}</td>
            <td className="px-3 py-2">{h.facts.uptimeS !== undefined ? formatDuration(h.facts.uptimeS) : "—"}</td>
            <td className="px-3 py-2">{h.facts.cpus ?? "—"}</td>
            <td className="px-3 py-2">{h.facts.memBytes ? formatBytes(h.facts.memBytes) : "—"}</td>
            <td className="px-3 py-2 font-mono text-xs">{h.facts.loadAvg?.join(" ") ?? "—"}</td>
            <td className="px-3 py-2">{appCounts[h.id] ?? 0}</td>
            <td className="px-3 py-2 text-xs text-muted">{h.lastSeenAt ? new Date(h.lastSeenAt).toLocaleString() : "never"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
