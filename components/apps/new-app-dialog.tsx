"use client";
// "New app": a spec in JSON (prefilled with a working template for the chosen host), created with
// POST /api/v1/apps; refused fields are listed by path. Admins only.
import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { Dialog } from "radix-ui";
import { useState } from "react";
import { toast } from "sonner";
import type { HostView } from "@/lib/protocol/ui-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { useJsonSubmit } from "./use-json-submit";

const template = (hostId: string) =>
  JSON.stringify(
    {
      name: "hello",
      hostId,
      command: ["/usr/bin/php-cgi"],
      cwd: "/srv/hello",
      user: "www-data",
      group: "www-data",
      env: { PHP_FCGI_CHILDREN: "0", PHP_FCGI_MAX_REQUESTS: "0" },
      processes: 2,
      socket: { path: "/run/stoker/hello.sock", owner: "www-data", group: "www-data", mode: "0660" },
      fastcgiParams: { SCRIPT_FILENAME: "/srv/hello/index.php" },
      web: { server: "nginx", serverName: "hello.example.com", listen: 80, mount: "/" },
    },
    null,
    2,
  );

export function NewAppDialog({ hosts, canCreate }: { hosts: HostView[]; canCreate: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const { text, setText, errors, busy, submit } = useJsonSubmit(
    () => template(hosts[0]?.id ?? ""),
    (body) => api<{ id: string }>("/apps", { method: "POST", body }),
  );
  const create = async () => {
    const r = await submit();
    if (!r.ok) return;
    toast.success("App created and started");
    setOpen(false);
    router.push(`/apps/${r.value.id}`);
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
        <Dialog.Content className="fixed left-1/2 top-[8vh] z-50 w-[min(46rem,94vw)] -translate-x-1/2 rounded-lg border border-line bg-panel p-5 shadow-xl">
          <Dialog.Title className="text-base font-semibold">New app</Dialog.Title>
          <Dialog.Description className="mt-1 text-muted">
            The app spec as JSON. The agent checks it against its host (program on PATH, users, socket directory) before anything starts.
          </Dialog.Description>
          <label className="mt-3 block text-xs text-muted">
            Host
            <select
              className="ml-2 h-8 rounded-md border border-line bg-surface px-2 text-sm text-ink"
              onChange={(e) => setText((t) => t.replace(/"hostId": "[^"]*"/, `"hostId": "${e.target.value}"`))}
            >
              {hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name} {h.online ? "" : "(offline)"}
                </option>
              ))}
            </select>
          </label>
          <textarea
            aria-label="New app spec (JSON)"
            value={text}
            onChange={(e) => setText(e.target.value)}
            spellCheck={false}
            rows={20}
            className="mt-2 w-full rounded-lg border border-line bg-surface p-3 font-mono text-xs outline-none focus:border-accent"
          />
          <FieldErrors errors={errors} className="mt-2" />
          <div className="mt-4 flex justify-end gap-2">
            <Dialog.Close asChild>
              <Button>Cancel</Button>
            </Dialog.Close>
            <Button variant="primary" onClick={create} busy={busy}>
              Create and start
            </Button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
