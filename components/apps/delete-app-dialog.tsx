"use client";
// Delete an app: a confirm that asks for the app's name (a delete cannot be undone), then
// DELETE /apps/{id} (processes, socket and web config go through the agent's apply pipeline),
// a toast, and back to the overview.
import { Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { AlertDialog } from "radix-ui";
import { useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { DialogActions } from "../ui/confirm-dialog";

type Props = { appId: string; appName: string; hostName: string; canEdit: boolean };

export function DeleteAppDialog({ appId, appName, hostName, canEdit }: Props) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    const r = await api<{ deleted: true }>(`/apps/${appId}`, { method: "DELETE" });
    setBusy(false);
    if (!r.ok) {
      // Kept open: the app still exists (e.g. its web config could not be removed cleanly).
      setError(r.error.message);
      return;
    }
    setOpen(false);
    toast.success(`${appName} deleted`, { description: `Its processes, socket and web config are gone from ${hostName}.` });
    router.push("/");
    router.refresh();
  };
  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) setTyped("");
        setError(null);
      }}
    >
      <AlertDialog.Trigger asChild>
        <Button size="sm" variant="danger" disabled={!canEdit} title={canEdit ? undefined : "Needs the admin role"} aria-label={`Delete ${appName}`}>
          <Trash2 className="size-3.5" aria-hidden /> Delete
        </Button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <AlertDialog.Content className="fixed left-1/2 top-1/3 z-50 w-[min(28rem,90vw)] -translate-x-1/2 rounded-lg border border-line bg-panel p-5 shadow-xl">
          <AlertDialog.Title className="text-base font-semibold">Delete {appName}?</AlertDialog.Title>
          <AlertDialog.Description className="mt-2 text-muted">
            Its processes stop, its socket and its web-server config are removed from {hostName}, and the app is gone from Stoker. Its revisions and logs cannot be brought back.
          </AlertDialog.Description>
          <form
            className="mt-4 space-y-2"
            onSubmit={(e) => {
              e.preventDefault();
              if (typed === appName) void confirm();
            }}
          >
            <label className="block text-xs text-muted" htmlFor="delete-app-name">
              Type <strong className="font-mono text-ink">{appName}</strong> to confirm
            </label>
            <input
              id="delete-app-name"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              className="h-8 w-full rounded-md border border-line bg-surface px-2 font-mono text-sm"
            />
            {error && (
              <p role="alert" className="text-xs text-red-700 dark:text-red-400">
                {error}
              </p>
            )}
            <DialogActions className="pt-3">
              <Button type="submit" variant="danger" busy={busy} disabled={typed !== appName}>
                Delete app
              </Button>
            </DialogActions>
          </form>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
