"use client";
// Edit the app spec as JSON: saved with PUT (a rolling replacement), field errors shown by path.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import type { AppSpec } from "@/lib/protocol/app-spec";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";

export function SpecEditor({ appId, spec, canEdit }: { appId: string; spec: AppSpec; canEdit: boolean }) {
  const router = useRouter();
  const [text, setText] = useState(() => JSON.stringify(spec, null, 2));
  const [errors, setErrors] = useState<{ path: string; message: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return setErrors([{ path: "(json)", message: (e as Error).message }]);
    }
    setBusy(true);
    const r = await api<{ revision: number }>(`/apps/${appId}`, { method: "PUT", body });
    setBusy(false);
    if (r.ok) {
      setErrors([]);
      toast.success(`Saved revision ${r.value.revision}`, { description: "The new processes replaced the old ones without dropping requests." });
      router.refresh();
    } else {
      setErrors(r.error.fields ?? [{ path: "", message: r.error.message }]);
      toast.error("Not saved", { description: r.error.message });
    }
  };
  return (
    <div className="space-y-2">
      {!canEdit && <p className="text-xs text-muted">Read only: changing an app needs the admin role. Environment values are masked.</p>}
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
