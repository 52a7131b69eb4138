"use client";
// "Add host": creates a one-time join token and shows the one command that installs, enrolls and
// starts the agent on the new host (install.sh served by this control plane, the token its argument).
import { Dialog } from "radix-ui";
import { Copy, Plus } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { DialogActions } from "../ui/confirm-dialog";

export function AddHostDialog({ canManage }: { canManage: boolean }) {
  const [command, setCommand] = useState<string | null>(null);
  const [loopback, setLoopback] = useState(false);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    const r = await api<{ token: string; expiresAt: string; controlPlaneUrl?: string }>("/hosts/join-tokens", { method: "POST" });
    setBusy(false);
    if (!r.ok) return toast.error("Could not create a join token", { description: r.error.message });
    // The address install.sh will also name (STOKER_PUBLIC_URL when set), not just what this browser used.
    const base = r.value.controlPlaneUrl ?? `${location.origin}${process.env.NEXT_PUBLIC_BASE_PATH ?? ""}`;
    setLoopback(isLoopback(base));
    setCommand(`curl -fsSL ${base}/api/v1/agent/install.sh | sudo sh -s -- ${r.value.token}`);
  };
  return (
    <Dialog.Root onOpenChange={(open) => open && !command && void create()}>
      <Dialog.Trigger asChild>
        <Button variant="primary" disabled={!canManage} title={canManage ? undefined : "Needs the admin role"}>
          <Plus className="size-3.5" aria-hidden /> Add host
        </Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <Dialog.Content className="fixed left-1/2 top-1/4 z-50 w-[min(40rem,92vw)] -translate-x-1/2 rounded-lg border border-line bg-panel p-5 shadow-xl">
          <Dialog.Title className="text-base font-semibold">Enroll a host</Dialog.Title>
          <Dialog.Description className="mt-1 text-muted">
            Run this on the new host (Linux with Node.js 20 or newer). It installs the agent under /opt/stoker-agent, writes a systemd unit, enrolls and starts it; the agent dials out to this control plane (no inbound port needed). The token works once and expires in 24 hours. Without systemd, add <code className="font-mono">--no-systemd</code>; elsewhere, <code className="font-mono">--prefix DIR</code>.
          </Dialog.Description>
          <div className="mt-4 flex items-start gap-2">
            <pre className="flex-1 overflow-x-auto rounded-md bg-surface p-3 font-mono text-xs" data-testid="join-command">{busy ? "Creating a token…" : command}</pre>
            {command && (
              <Button size="sm" onClick={() => void navigator.clipboard?.writeText(command).then(() => toast.success("Command copied"))} aria-label="Copy command">
                <Copy className="size-3.5" />
              </Button>
            )}
          </div>
          {loopback && (
            <p className="mt-3 rounded-md bg-amber-100 p-2 text-amber-800 dark:bg-amber-950 dark:text-amber-300" role="note">
              This address is this machine's own (loopback): another host cannot reach it. Start the control plane with{" "}
              <code className="font-mono">STOKER_PUBLIC_URL=http://NAME:PORT</code> set to an address the new host can reach.
            </p>
          )}
          <DialogActions kind="dialog" cancelLabel="Done" />
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || /^127\./.test(host);
  } catch {
    return false;
  }
}
