"use client";
// "New app": a guided form (a runtime preset, a script picked on the host, the rest proposed by the
// agent from what the script does), checked live on the host before anything starts; the same spec
// is one click away as JSON in an editor that knows the spec's schema. Admins only.
import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { Dialog } from "radix-ui";
import { useState } from "react";
import { toast } from "sonner";
import type { HostView } from "@/lib/protocol/ui-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { DialogActions } from "../ui/confirm-dialog";
import { FieldErrors } from "../ui/field-errors";
import { AppFormFields, SpecModeTabs } from "./guided/app-form-fields";
import { initialForm } from "./guided/form-spec";
import { JsonSpecEditor } from "./guided/lazy-json-spec-editor";
import { useSpecDraft } from "./guided/use-spec-draft";

export function NewAppDialog({ hosts, canCreate }: { hosts: HostView[]; canCreate: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const draft = useSpecDraft<{ id: string }>({
    form: () => initialForm(hosts[0]?.id ?? ""),
    check: (spec) => api("/apps/validate", { method: "POST", body: spec }),
    save: (spec) => api<{ id: string }>("/apps", { method: "POST", body: spec }),
  });
  const create = async () => {
    const created = await draft.send("save");
    if (!created) return;
    toast.success("App created and started");
    setOpen(false);
    router.push(`/apps/${created.id}`);
  };

  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild>
        <Button variant="primary" disabled={!canCreate || hosts.length === 0} title={canCreate ? undefined : "Needs the admin role"}>
          <Plus className="size-3.5" aria-hidden /> New app
        </Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <Dialog.Content className="fixed left-1/2 top-[4vh] z-50 max-h-[92vh] w-[min(46rem,96vw)] -translate-x-1/2 overflow-y-auto rounded-lg border border-line bg-panel p-5 shadow-xl">
          <div className="flex items-center gap-3">
            <Dialog.Title className="text-base font-semibold">New app</Dialog.Title>
            <SpecModeTabs mode={draft.mode} onChange={draft.switchTo} />
          </div>
          <Dialog.Description className="mt-1 text-muted">
            Pick the app's script on the host and the agent proposes the rest. “Check” asks the host (program, user, socket directory, files) before anything starts.
          </Dialog.Description>
          <div className="mt-3">
            {draft.mode === "form" ? (
              <AppFormFields form={draft.form} update={draft.update} hosts={hosts} onScriptError={(m) => draft.setErrors(m ? [{ path: "script", message: m }] : [])} />
            ) : (
              <JsonSpecEditor value={draft.text} onChange={draft.setText} label="New app spec (JSON)" />
            )}
          </div>
          <FieldErrors errors={draft.errors} className="mt-3" />
          {draft.checked && (
            <p className="mt-3 text-xs text-green-700 dark:text-green-400" data-testid="check-ok">
              Checked on the host: ready to start.
            </p>
          )}
          <DialogActions kind="dialog">
            <Button onClick={() => void draft.send("check")} busy={draft.busy === "check"}>
              Check
            </Button>
            <Button variant="primary" onClick={() => void create()} busy={draft.busy === "save"}>
              Create and start
            </Button>
          </DialogActions>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
