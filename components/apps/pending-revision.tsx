"use client";
// Desired vs running revision: a saved revision that is not applied is shown with what runs
// instead, and can be retried or reverted (the running revision's spec saved as a new one).
import { RotateCw, Undo2 } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import type { AppView } from "@/lib/protocol/ui-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";

type Revisions = Pick<AppView, "revision" | "runningRevision" | "failedRevision">;

/** "revision 5" when it runs; "revision 5 saved, 4 running" while it does not. */
export function RevisionText({ app }: { app: Revisions }) {
  if (app.runningRevision === null || app.runningRevision === app.revision) return <>revision {app.revision}</>;
  return (
    <span data-testid="revisions">
      revision {app.revision} saved, <strong>{app.runningRevision} running</strong>
    </span>
  );
}

export function PendingRevision({ app, canEdit }: { app: Revisions & Pick<AppView, "id" | "name">; canEdit: boolean }) {
  const [busy, setBusy] = useState<"retry" | "revert" | null>(null);
  if (app.failedRevision === null || app.failedRevision !== app.revision) return null;
  const run = async (action: "retry" | "revert") => {
    setBusy(action);
    const r = await api<{ revision: number }>(`/apps/${app.id}/${action}`, { method: "POST" });
    setBusy(null);
    if (r.ok) toast.success(action === "retry" ? `${app.name}: revision ${r.value.revision} applied` : `${app.name}: reverted, saved as revision ${r.value.revision}`);
    else toast.error(`${app.name}: ${action} failed`, { description: r.error.message });
  };
  const title = canEdit ? undefined : "Needs the admin role";
  return (
    <div role="status" className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
      <span>
        Revision {app.failedRevision} is saved but failed to apply; {app.runningRevision === null ? "nothing of this app runs." : `revision ${app.runningRevision} keeps running.`} It is
        not applied again by itself, not even when the agent restarts.
      </span>
      <span className="flex gap-1.5">
        <Button size="sm" onClick={() => run("retry")} busy={busy === "retry"} disabled={!canEdit || busy !== null} title={title}>
          <RotateCw className="size-3.5" aria-hidden /> Retry revision {app.failedRevision}
        </Button>
        {app.runningRevision !== null && (
          <Button size="sm" onClick={() => run("revert")} busy={busy === "revert"} disabled={!canEdit || busy !== null} title={title}>
            <Undo2 className="size-3.5" aria-hidden /> Revert to revision {app.runningRevision}
          </Button>
        )}
      </span>
    </div>
  );
}
