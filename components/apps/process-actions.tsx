"use client";
// Per-process actions: restart one process, or kill it (confirmed; the restart policy replaces it).
import { useState } from "react";
import { toast } from "sonner";
import type { ProcessInfo } from "@/lib/protocol/process-state";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";

export function ProcessActions({ appId, process, canOperate }: { appId: string; process: ProcessInfo; canOperate: boolean }) {
  const [busy, setBusy] = useState<string | null>(null);
  if (!process.pid || process.state !== "RUNNING") return null;
  const run = async (action: "restart" | "kill") => {
    setBusy(action);
    const r = await api(`/apps/${appId}/processes/${process.pid}/${action}`, { method: "POST" });
    setBusy(null);
    if (r.ok) toast.success(`Process ${process.pid}: ${action} done`);
    else toast.error(`Process ${process.pid}: ${action} failed`, { description: r.error.message });
  };
  return (
    <div className="flex justify-end gap-1">
      <Button size="sm" variant="ghost" disabled={!canOperate} busy={busy === "restart"} onClick={() => run("restart")} aria-label={`Restart process ${process.pid}`}>
        Restart
      </Button>
      <ConfirmDialog
        title={`Kill process ${process.pid}?`}
        description="It gets SIGKILL: requests it is serving fail. The restart policy then starts a replacement."
        confirmLabel="Kill"
        onConfirm={() => run("kill")}
        trigger={
          <Button size="sm" variant="ghost" disabled={!canOperate} busy={busy === "kill"} aria-label={`Kill process ${process.pid}`}>
            Kill
          </Button>
        }
      />
    </div>
  );
}
