"use client";
// An app's processes: pid, state, uptime, restarts, CPU, RSS; optional per-process actions.
import type { ReactNode } from "react";
import type { ProcessInfo } from "@/lib/protocol/process-state";
import { formatBytes, since } from "../format";
import { StateBadge } from "../ui/state-badge";
import { useNow } from "./use-now";

type Props = { processes: ProcessInfo[]; actions?: (p: ProcessInfo) => ReactNode; compact?: boolean };

export function ProcessTable({ processes, actions, compact }: Props) {
  const now = useNow();
  if (!processes.length) return <p className="px-3 py-4 text-muted">No processes. Start the app to run them.</p>;
  // Seven columns and the actions: at phone width the table scrolls inside its card, not the page.
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left" data-testid="process-table">
        <thead className="text-xs uppercase tracking-wide text-muted">
          <tr className={compact ? "" : "border-b border-line"}>
            <th className="px-3 py-1.5 font-medium">Slot</th>
            <th className="px-3 py-1.5 font-medium">PID</th>
            <th className="px-3 py-1.5 font-medium">State</th>
            <th className="px-3 py-1.5 font-medium">Uptime</th>
            <th className="px-3 py-1.5 font-medium">Restarts</th>
            <th className="px-3 py-1.5 font-medium">CPU</th>
            <th className="px-3 py-1.5 font-medium">RSS</th>
            {actions && <th className="px-3 py-1.5 text-right font-medium">Actions</th>}
          </tr>
        </thead>
        <tbody className="font-mono text-xs">
          {processes.map((p) => (
            <tr key={`${p.generation}-${p.slot}-${p.pid}`} className="border-t border-line/60" data-pid={p.pid} data-state={p.state}>
              <td className="px-3 py-1.5 text-muted">
                {p.slot}
                <span className="ml-1 text-[10px]">g{p.generation}</span>
              </td>
              <td className="px-3 py-1.5" data-testid="pid">
                {p.pid || "—"}
              </td>
              <td className="px-3 py-1.5">
                <StateBadge state={p.state} />
                {p.lastOutput && p.state !== "RUNNING" && (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-muted">last output</summary>
                    <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap rounded bg-surface p-2">{p.lastOutput}</pre>
                  </details>
                )}
              </td>
              <td className="px-3 py-1.5">
                {p.state === "RUNNING" ? since(p.startedAt, now) : "—"}
              </td>
              <td className="px-3 py-1.5">{p.restarts}</td>
              <td className="px-3 py-1.5">{p.cpuPercent.toFixed(1)}%</td>
              <td className="px-3 py-1.5">{p.rssBytes ? formatBytes(p.rssBytes) : "—"}</td>
              {actions && <td className="px-3 py-1.5 text-right">{actions(p)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
