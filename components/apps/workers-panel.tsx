"use client";
// An app's workers (commands without a socket beside its FastCGI processes): each instance's state,
// pid, uptime and restarts, live from the agent's status; restart a worker (all its instances).
import { useState } from "react";
import { toast } from "sonner";
import type { WorkerSpec, WorkerStatus } from "@/lib/protocol/jobs-spec";
import { api } from "../api-client";
import { since } from "../format";
import { Button } from "../ui/button";
import { StateBadge } from "../ui/state-badge";
import { useNow } from "./use-now";

type Props = { appId: string; specWorkers: WorkerSpec[]; workers: WorkerStatus[]; canOperate: boolean };

function RestartWorker({ appId, name, canOperate }: { appId: string; name: string; canOperate: boolean }) {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    const r = await api(`/apps/${appId}/workers/${name}/restart`, { method: "POST", body: {} });
    setBusy(false);
    if (r.ok) toast.success(`Worker ${name} restarted`);
    else toast.error(`Worker ${name}: restart failed`, { description: r.error.message });
  };
  return (
    <Button size="sm" variant="ghost" disabled={!canOperate} busy={busy} onClick={run} aria-label={`Restart worker ${name}`}>
      Restart
    </Button>
  );
}

export function WorkersPanel({ appId, specWorkers, workers, canOperate }: Props) {
  const now = useNow();
  if (!specWorkers.length) {
    return (
      <p className="rounded-lg border border-dashed border-line p-6 text-center text-muted" data-testid="workers-empty">
        No workers. Queue workers and other commands without a socket go in the spec:{" "}
        <code>{'"workers": [{"name": "queue", "command": ["php", "artisan", "queue:work"], "count": 2}]'}</code>
      </p>
    );
  }
  return (
    <div className="space-y-3" data-testid="workers-panel">
      {specWorkers.map((w) => {
        const instances = workers.filter((i) => i.name === w.name);
        return (
          <section key={w.name} className="rounded-lg border border-line bg-panel" data-worker={w.name}>
            <header className="flex items-center justify-between gap-2 border-b border-line px-3 py-2">
              <div className="min-w-0">
                <h3 className="font-medium">{w.name}</h3>
                <code className="block truncate text-xs text-muted">{w.command.join(" ")}</code>
              </div>
              <RestartWorker appId={appId} name={w.name} canOperate={canOperate} />
            </header>
            {instances.length === 0 ? (
              <p className="px-3 py-3 text-xs text-muted">Not running (the app is stopped, or its host has not reported it yet).</p>
            ) : (
              <table className="w-full text-left">
                <thead className="text-xs uppercase tracking-wide text-muted">
                  <tr>
                    <th className="px-3 py-1.5 font-medium">#</th>
                    <th className="px-3 py-1.5 font-medium">PID</th>
                    <th className="px-3 py-1.5 font-medium">State</th>
                    <th className="px-3 py-1.5 font-medium">Uptime</th>
                    <th className="px-3 py-1.5 font-medium">Restarts</th>
                  </tr>
                </thead>
                <tbody className="font-mono text-xs">
                  {instances.map((i) => (
                    <tr key={i.index} className="border-t border-line/60" data-pid={i.pid} data-state={i.state}>
                      <td className="px-3 py-1.5 text-muted">{i.index}</td>
                      <td className="px-3 py-1.5">{i.pid || "—"}</td>
                      <td className="px-3 py-1.5">
                        <StateBadge state={i.state} />
                        {i.lastOutput && i.state !== "RUNNING" && (
                          <details className="mt-1">
                            <summary className="cursor-pointer text-muted">last output</summary>
                            <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap rounded bg-surface p-2">{i.lastOutput}</pre>
                          </details>
                        )}
                      </td>
                      <td className="px-3 py-1.5">{i.state === "RUNNING" ? since(i.startedAt, now) : "—"}</td>
                      <td className="px-3 py-1.5">{i.restarts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        );
      })}
    </div>
  );
}
