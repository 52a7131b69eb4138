"use client";
// Restart / Stop / Start for one app: waits for the agent, toasts the outcome, confirms Stop.
import { Play, RotateCw, Square } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import type { ProcessInfo } from "@/lib/protocol/process-state";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";

type Props = { appId: string; appName: string; running: boolean; canOperate: boolean };

export function AppActions({ appId, appName, running, canOperate }: Props) {
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (action: "restart" | "stop" | "start") => {
    setBusy(action);
    const r = await api<{ processes: ProcessInfo[] }>(`/apps/${appId}/${action}`, { method: "POST" });
    setBusy(null);
    if (r.ok) {
      const pids = r.value.processes.map((p) => p.pid).filter(Boolean);
      toast.success(`${appName}: ${action} done`, { description: pids.length ? `pids ${pids.join(", ")}` : "no processes running" });
    } else toast.error(`${appName}: ${action} failed`, { description: r.error.message });
  };
  const disabled = !canOperate || busy !== null;
  const title = canOperate ? undefined : "Needs the operator role";
  return (
    <div className="flex gap-1.5">
      <Button size="sm" onClick={() => run("restart")} busy={busy === "restart"} disabled={disabled} title={title} aria-label={`Restart ${appName}`}>
        <RotateCw className="size-3.5" aria-hidden /> Restart
      </Button>
      {running ? (
        <ConfirmDialog
          title={`Stop ${appName}?`}
          description="All its processes stop and its socket closes; the web server answers 502 until you start it again."
          confirmLabel="Stop app"
          onConfirm={() => run("stop")}
          trigger={
            <Button size="sm" variant="danger" busy={busy === "stop"} disabled={disabled} title={title} aria-label={`Stop ${appName}`}>
              <Square className="size-3.5" aria-hidden /> Stop
            </Button>
          }
        />
      ) : (
        <Button size="sm" onClick={() => run("start")} busy={busy === "start"} disabled={disabled} title={title} aria-label={`Start ${appName}`}>
          <Play className="size-3.5" aria-hidden /> Start
        </Button>
      )}
    </div>
  );
}
