"use client";
// "Upgrade agent", behind a confirm: POST /hosts/{id}/upgrade-agent. The agent swaps to the bundle
// this control plane serves and restarts; the row shows the new build when it reconnects.
import { ArrowUpCircle } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";

type Props = { hostId: string; hostName: string; from: string; to: string; canManage: boolean };

export function UpgradeAgentButton({ hostId, hostName, from, to, canManage }: Props) {
  const [busy, setBusy] = useState(false);
  const upgrade = async () => {
    setBusy(true);
    const r = await api<{ from: string | null; to: string }>(`/hosts/${hostId}/upgrade-agent`, { method: "POST" });
    setBusy(false);
    if (r.ok) toast.success(`${hostName}'s agent is restarting as build ${r.value.to}`, { description: "Its apps keep running; the host reconnects in a few seconds." });
    else toast.error(`Upgrade of ${hostName}'s agent failed`, { description: r.error.message });
  };
  return (
    <ConfirmDialog
      title={`Upgrade the agent on ${hostName}?`}
      description={`The agent downloads build ${to} from this control plane, checks its checksum, swaps it in for build ${from} and restarts. Its apps keep running and keep serving; the host shows offline for a few seconds.`}
      confirmLabel="Upgrade agent"
      onConfirm={() => void upgrade()}
      trigger={
        <Button size="sm" busy={busy} disabled={!canManage || busy} title={canManage ? `Build ${to} is available` : "Needs the admin role"} aria-label={`Upgrade the agent on ${hostName}`} data-testid="upgrade-agent">
          <ArrowUpCircle className="size-3.5" aria-hidden /> Upgrade
        </Button>
      }
    />
  );
}
