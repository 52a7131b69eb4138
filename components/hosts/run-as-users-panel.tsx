"use client";
// A host's allowed run-as users: which unix users admins and operators may choose for apps, build
// steps, run-by-hand and terminals there (root only if listed). Everyone sees the list; only an
// owner edits it (PUT /hosts/{id}/run-as-users, audited).
import { useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";

type View = { hostId: string; users: string[] | null };

function summary(users: string[] | null): string {
  if (users === null) return "No list: admins and operators may choose any user except root.";
  if (users.length === 0) return "Empty list: only an owner may choose a user on this host.";
  return `Admins and operators may choose only: ${users.join(", ")}${users.includes("root") ? " (root included, by the owner's choice)" : ""}.`;
}

export function RunAsUsersPanel({ hostId, hostName, initial, canEdit }: { hostId: string; hostName: string; initial: View; canEdit: boolean }) {
  const [view, setView] = useState<View>(initial);
  const [text, setText] = useState((initial.users ?? []).join(", "));
  const [busy, setBusy] = useState(false);
  const save = async (users: string[] | null) => {
    setBusy(true);
    const r = await api<View>(`/hosts/${hostId}/run-as-users`, { method: "PUT", body: { users } });
    setBusy(false);
    if (!r.ok) return toast.error("Could not save the run-as users", { description: r.error.fields?.[0]?.message ?? r.error.message });
    setView(r.value);
    setText((r.value.users ?? []).join(", "));
    toast.success("Saved.");
  };
  const parsed = text
    .split(/[\s,]+/)
    .map((u) => u.trim())
    .filter(Boolean);
  return (
    <section className="space-y-2 rounded-lg border border-line bg-panel p-4" data-testid="run-as-users" aria-label={`Run-as users on ${hostName}`}>
      <h2 className="text-sm font-semibold">Run-as users on {hostName}</h2>
      <p className="text-sm" data-testid="run-as-users-summary">
        {summary(view.users)}
      </p>
      {canEdit ? (
        <div className="flex flex-wrap items-center gap-2">
          <input
            className="h-8 min-w-64 flex-1 rounded border border-line bg-surface px-2 font-mono text-xs"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="www-data, app1"
            aria-label="Allowed users (comma or space separated)"
          />
          <Button variant="primary" busy={busy} onClick={() => void save(parsed)}>
            Save list
          </Button>
          {view.users !== null ? (
            <Button busy={busy} onClick={() => void save(null)}>
              Remove the list
            </Button>
          ) : null}
        </div>
      ) : (
        <p className="text-xs text-muted">Only an owner can change this list.</p>
      )}
    </section>
  );
}
