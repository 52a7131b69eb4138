"use client";
// "Stop all apps on this host", behind a confirm: POST /hosts/{id}/stop-apps, then a toast naming
// what stopped (and what did not).
import { Square } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";

type Props = { hostId: string; hostName: string; appCount: number; canOperate: boolean };

export function StopHostAppsButton({ hostId, hostName, appCount, canOperate }: Props) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const stopAll = async () => {
    setBusy(true);
    const r = await api<{ stopped: { name: string }[] }>(`/hosts/${hostId}/stop-apps`, { method: "POST" });
    setBusy(false);
    if (r.ok) {
      const names = r.value.stopped.map((a) => a.name);
      toast.success(names.length ? `Stopped ${names.length} app${names.length === 1 ? "" : "s"} on ${hostName}` : `No app was running on ${hostName}`, {
        description: names.join(", ") || undefined,
      });
    } else toast.error(`Stop all on ${hostName} failed`, { description: r.error.message });
    router.refresh();
  };
  return (
    <ConfirmDialog
      title={`Stop all apps on ${hostName}?`}
      description={`Every app on ${hostName} (${appCount}) stops and its socket closes; the web server answers 502 for each until you start it again. Each app stays stopped across agent restarts.`}
      confirmLabel="Stop all apps"
      onConfirm={() => void stopAll()}
      trigger={
        <Button size="sm" variant="danger" busy={busy} disabled={!canOperate || busy || appCount === 0} title={canOperate ? undefined : "Needs the operator role"} aria-label={`Stop all apps on ${hostName}`}>
          <Square className="size-3.5" aria-hidden /> Stop all apps
        </Button>
      }
    />
  );
}
