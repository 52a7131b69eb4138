"use client";
// An app's spec, edited as "New app" creates one: the guided form, or JSON with the spec's schema one
// click away; "Check" asks the host (POST /apps/{id}/validate) and save is a PUT (a rolling
// replacement). Field errors are listed by path. Below admin, the spec is shown read-only.
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { AppSpec } from "@/lib/protocol/app-spec";
import type { AppView } from "@/lib/protocol/ui-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { AppFormFields, SpecModeTabs } from "./guided/app-form-fields";
import { editForm } from "./guided/form-spec";
import { JsonSpecEditor } from "./guided/lazy-json-spec-editor";
import { useSpecDraft } from "./guided/use-spec-draft";

type Props = { appId: string; spec: AppSpec; host: AppView["host"]; canEdit: boolean };

export function SpecEditor({ appId, spec, host, canEdit }: Props) {
  if (!canEdit) {
    return (
      <div className="space-y-2">
        <p className="text-xs text-muted">Read only: changing an app needs the admin role. Environment values are masked.</p>
        <JsonSpecEditor value={JSON.stringify(spec, null, 2)} onChange={() => {}} label="App spec (JSON)" readOnly />
      </div>
    );
  }
  return <SpecEditForm appId={appId} spec={spec} host={host} />;
}

function SpecEditForm({ appId, spec, host }: Omit<Props, "canEdit">) {
  const router = useRouter();
  const draft = useSpecDraft<{ revision: number }>({
    form: () => editForm(spec),
    base: spec,
    check: (body) => api(`/apps/${appId}/validate`, { method: "POST", body }),
    save: (body) => api<{ revision: number }>(`/apps/${appId}`, { method: "PUT", body }),
  });
  const save = async () => {
    const saved = await draft.send("save");
    if (!saved) return;
    toast.success(`Saved revision ${saved.revision}`, { description: "The new processes replaced the old ones without dropping requests." });
    router.refresh();
  };
  return (
    <div className="space-y-3 rounded-lg border border-line bg-panel p-4">
      <div className="flex flex-wrap items-center gap-3">
        <p className="text-xs text-muted">“Check” asks the host before anything is saved; saving replaces the processes one by one.</p>
        <SpecModeTabs mode={draft.mode} onChange={draft.switchTo} />
      </div>
      {draft.mode === "form" ? (
        <AppFormFields form={draft.form} update={draft.update} hosts={[host]} locked onScriptError={(m) => draft.setErrors(m ? [{ path: "script", message: m }] : [])} />
      ) : (
        <>
          <p className="text-xs text-muted">
            Secret env values are write-only: <code>{'{"secret": "value"}'}</code> sets one, <code>{'{"secret": {"set": true}}'}</code> keeps the stored value, removing the name deletes it.
          </p>
          <JsonSpecEditor value={draft.text} onChange={draft.setText} label="App spec (JSON)" />
        </>
      )}
      <FieldErrors errors={draft.errors} />
      {draft.checked && (
        <p className="text-xs text-green-700 dark:text-green-400" data-testid="check-ok">
          Checked on the host: ready to save.
        </p>
      )}
      <div className="flex justify-end gap-2">
        <Button onClick={() => void draft.send("check")} busy={draft.busy === "check"}>
          Check
        </Button>
        <Button variant="primary" onClick={() => void save()} busy={draft.busy === "save"}>
          Save and apply
        </Button>
      </div>
    </div>
  );
}
