"use client";
// Edit the app spec as JSON: saved with PUT (a rolling replacement), field errors shown by path.
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { AppSpec } from "@/lib/protocol/app-spec";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { useJsonSubmit } from "./use-json-submit";

export function SpecEditor({ appId, spec, canEdit }: { appId: string; spec: AppSpec; canEdit: boolean }) {
  const router = useRouter();
  const { text, setText, errors, busy, submit } = useJsonSubmit(
    () => JSON.stringify(spec, null, 2),
    (body) => api<{ revision: number }>(`/apps/${appId}`, { method: "PUT", body }),
  );
  const save = async () => {
    const r = await submit();
    if (r.ok) {
      toast.success(`Saved revision ${r.value.revision}`, { description: "The new processes replaced the old ones without dropping requests." });
      router.refresh();
    } else if (r.error) toast.error("Not saved", { description: r.error.message });
  };
  return (
    <div className="space-y-2">
      {!canEdit && <p className="text-xs text-muted">Read only: changing an app needs the admin role. Environment values are masked.</p>}
      {canEdit && (
        <p className="text-xs text-muted">
          Secret env values are write-only: <code>{'{"secret": "value"}'}</code> sets one, <code>{'{"secret": {"set": true}}'}</code> keeps the stored value, removing the name deletes it.
        </p>
      )}
      <textarea
        aria-label="App spec (JSON)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        readOnly={!canEdit}
        spellCheck={false}
        rows={24}
        className="w-full rounded-lg border border-line bg-surface p-3 font-mono text-xs outline-none focus:border-accent"
      />
      <FieldErrors errors={errors} />
      {canEdit && (
        <Button variant="primary" onClick={save} busy={busy}>
          Save and apply
        </Button>
      )}
    </div>
  );
}
