"use client";
// Mute this app's alerts for a while (recorded in the history, not sent), from its page: the duration
// is chosen and confirmed in a dialog, the toast offers Undo, and Unmute asks first (alerts still
// firing are sent at once then). Each mute and unmute is a silence, audited by the API.
import { Bell, BellOff } from "lucide-react";
import { AlertDialog } from "radix-ui";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import type { MuteState } from "@/lib/protocol/alert-messages";
import { api } from "../api-client";
import { timeText } from "../format";
import { Button } from "../ui/button";
import { ConfirmAction, ConfirmDialog, DialogActions } from "../ui/confirm-dialog";
import { useHydrated } from "../ui/local-time";

const DURATIONS = [
  { id: "1h", label: "1 hour", ms: 3600_000 },
  { id: "4h", label: "4 hours", ms: 4 * 3600_000 },
  { id: "24h", label: "24 hours", ms: 24 * 3600_000 },
  { id: "forever", label: "until I unmute", ms: 0 },
] as const;

type Props = { appId: string; appName: string; canMute: boolean };

export function MuteButton({ appId, appName, canMute }: Props) {
  const [state, setState] = useState<MuteState | null>(null);
  const [choice, setChoice] = useState<(typeof DURATIONS)[number]["id"]>("1h");
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  const load = useCallback(async () => {
    const r = await api<MuteState>(`/apps/${appId}/mute`);
    if (r.ok) setState(r.value);
  }, [appId]);
  useEffect(() => void load(), [load]);

  const unmute = async (undo: boolean) => {
    setBusy(true);
    const r = await api(`/apps/${appId}/mute`, { method: "DELETE" });
    setBusy(false);
    if (r.ok) toast.success(undo ? `${appName}: mute undone` : `${appName}: alerts unmuted`);
    else toast.error("Not unmuted", { description: r.error.message });
    void load();
  };
  const mute = async () => {
    const d = DURATIONS.find((x) => x.id === choice) ?? DURATIONS[0];
    setBusy(true);
    const r = await api(`/apps/${appId}/mute`, { method: "POST", body: d.ms ? { until: new Date(Date.now() + d.ms).toISOString() } : {} });
    setBusy(false);
    if (r.ok) toast.success(`${appName}: alerts muted ${d.ms ? `for ${d.label}` : "until unmuted"}`, { action: { label: "Undo", onClick: () => void unmute(true) } });
    else toast.error("Not muted", { description: r.error.message });
    void load();
  };

  if (!state) return null; // unknown yet: no button that might say the wrong thing
  const title = canMute ? undefined : "Needs the admin role";
  if (state.muted) {
    const until = state.until ? `until ${timeText(state.until, "datetime", hydrated)}` : "until unmuted";
    return (
      <ConfirmDialog
        title={`Unmute ${appName}?`}
        description="Its alerts are sent again; one still firing is sent at once."
        confirmLabel="Unmute"
        onConfirm={() => void unmute(false)}
        trigger={
          <Button size="sm" busy={busy} disabled={!canMute || busy} title={title ?? `Alerts muted ${until}`} aria-label={`Unmute ${appName} (muted ${until})`}>
            <BellOff className="size-3.5" aria-hidden /> Muted {state.until ? `until ${timeText(state.until, "hm", hydrated)}` : ""}
          </Button>
        }
      />
    );
  }
  return (
    <AlertDialog.Root>
      <AlertDialog.Trigger asChild>
        <Button size="sm" busy={busy} disabled={!canMute || busy} title={title} aria-label={`Mute alerts of ${appName}`}>
          <Bell className="size-3.5" aria-hidden /> Mute
        </Button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <AlertDialog.Content className="fixed left-1/2 top-1/3 z-50 w-[min(28rem,90vw)] -translate-x-1/2 rounded-lg border border-line bg-panel p-5 shadow-xl">
          <AlertDialog.Title className="text-base font-semibold">Mute alerts of {appName}?</AlertDialog.Title>
          <AlertDialog.Description className="mt-2 text-muted">Its alerts are recorded in the history, not sent. One still firing when the mute ends is sent once then.</AlertDialog.Description>
          <fieldset className="mt-3 space-y-1 text-sm">
            <legend className="mb-1 text-xs text-muted">For</legend>
            {DURATIONS.map((d) => (
              <label key={d.id} className="flex items-center gap-2">
                <input type="radio" name="mute-for" value={d.id} checked={choice === d.id} onChange={() => setChoice(d.id)} /> {d.label}
              </label>
            ))}
          </fieldset>
          <DialogActions>
            <ConfirmAction variant="primary" onClick={() => void mute()}>
              Mute
            </ConfirmAction>
          </DialogActions>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
