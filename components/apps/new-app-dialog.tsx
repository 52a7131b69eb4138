"use client";
// "New app": a guided form (a runtime preset, a script picked on the host, the rest proposed by the
// agent from what the script does), checked live on the host before anything starts; the same spec
// is one click away as JSON in an editor that knows the spec's schema. Admins only.
import { Plus } from "lucide-react";
import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { Dialog } from "radix-ui";
import { useState } from "react";
import { toast } from "sonner";
import type { Proposal, Runtime } from "@/lib/protocol/guided-messages";
import type { HostView } from "@/lib/protocol/ui-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { FileBrowser } from "./guided/file-browser";
import { type AppForm, applyPreset, applyProposal, AVAILABLE_RUNTIMES, formToSpec, initialForm, RUNTIME_LABELS, specToForm, type WebChoice } from "./guided/form-spec";

// CodeMirror runs only in the browser, and only once the JSON tab is opened.
const JsonSpecEditor = dynamic(() => import("./guided/json-spec-editor").then((m) => m.JsonSpecEditor), { ssr: false, loading: () => <p className="text-xs text-muted">Loading the editor…</p> });

type FieldError = { path: string; message: string };

const input = "h-8 w-full rounded-md border border-line bg-surface px-2 text-sm text-ink outline-none focus:border-accent";

function Field({ label, hint, children }: { label: string; hint?: string; children: React.ReactNode }) {
  return (
    <div className="block text-xs text-muted">
      <span>{label}</span>
      <div className="mt-0.5">{children}</div>
      {hint && <span className="text-[11px]">{hint}</span>}
    </div>
  );
}

export function NewAppDialog({ hosts, canCreate }: { hosts: HostView[]; canCreate: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<"form" | "json">("form");
  const [form, setForm] = useState<AppForm>(() => initialForm(hosts[0]?.id ?? ""));
  const [text, setText] = useState("");
  const [notes, setNotes] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [checked, setChecked] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const [busy, setBusy] = useState<"" | "propose" | "check" | "create">("");
  const set = (patch: Partial<AppForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setChecked(false);
  };

  const body = (): unknown => {
    if (mode === "form") return formToSpec(form);
    try {
      return JSON.parse(text);
    } catch (e) {
      setErrors([{ path: "(json)", message: (e as Error).message }]);
      return null;
    }
  };
  const switchTo = (next: "form" | "json") => {
    if (next === mode) return;
    if (next === "json") setText(JSON.stringify(formToSpec(form), null, 2));
    else {
      try {
        setForm((f) => specToForm(JSON.parse(text), f));
      } catch {
        // the form keeps what it had; the JSON's own errors show in the editor
      }
    }
    setMode(next);
  };
  const propose = async (script: string) => {
    setBusy("propose");
    const r = await api<Proposal>(`/hosts/${form.hostId}/propose`, { method: "POST", body: { script, user: form.user || "www-data", name: form.name, ...(form.runtime === "php-fpm" ? { runtime: "php-fpm" } : {}) } });
    setBusy("");
    if (!r.ok) {
      setErrors([{ path: "script", message: r.error.message }]);
      return;
    }
    setErrors([]);
    setForm((f) => applyProposal({ ...f, script }, r.value));
    setNotes(r.value.notes);
    setChecked(false);
  };
  const pick = (script: string) => {
    setBrowsing(false);
    setForm((f) => applyPreset({ ...f, script, cwd: "" }, f.runtime));
    void propose(script);
  };
  const send = async (kind: "check" | "create") => {
    const spec = body();
    if (spec === null) return;
    setBusy(kind);
    const r = kind === "check" ? await api<{ valid: true }>("/apps/validate", { method: "POST", body: spec }) : await api<{ id: string }>("/apps", { method: "POST", body: spec });
    setBusy("");
    if (!r.ok) {
      setChecked(false);
      setErrors(r.error.fields?.length ? r.error.fields : [{ path: "", message: r.error.message }]);
      return;
    }
    setErrors([]);
    if (kind === "check") {
      setChecked(true);
      return;
    }
    toast.success("App created and started");
    setOpen(false);
    router.push(`/apps/${(r.value as { id: string }).id}`);
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
            <div className="ml-auto flex rounded-md border border-line text-xs" role="tablist">
              {(["form", "json"] as const).map((m) => (
                <button key={m} type="button" role="tab" aria-selected={mode === m} onClick={() => switchTo(m)} className={`px-2.5 py-1 ${mode === m ? "bg-accent text-white" : "text-muted"}`}>
                  {m === "form" ? "Form" : "JSON"}
                </button>
              ))}
            </div>
          </div>
          <Dialog.Description className="mt-1 text-muted">
            Pick the app's script on the host and the agent proposes the rest. “Check” asks the host (program, user, socket directory, files) before anything starts.
          </Dialog.Description>
          {mode === "form" ? (
            <div className="mt-3 grid grid-cols-1 gap-3 sm:grid-cols-2">
              <Field label="Host">
                <select className={input} value={form.hostId} onChange={(e) => set({ hostId: e.target.value })}>
                  {hosts.map((h) => (
                    <option key={h.id} value={h.id}>
                      {h.name} {h.online ? "" : "(offline)"}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Runtime">
                <select aria-label="Runtime" className={input} value={form.runtime} onChange={(e) => set(applyPreset(form, e.target.value as Runtime))}>
                  {(Object.keys(RUNTIME_LABELS) as Runtime[]).map((r) => (
                    <option key={r} value={r} disabled={!AVAILABLE_RUNTIMES.includes(r)}>
                      {RUNTIME_LABELS[r]}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Name">
                <input aria-label="Name" className={input} value={form.name} onChange={(e) => set({ name: e.target.value })} />
              </Field>
              <Field label="Runs as user">
                <input aria-label="User" className={input} value={form.user} onChange={(e) => set({ user: e.target.value })} />
              </Field>
              <div className="sm:col-span-2">
                <Field label="Script on the host" hint="Browse lists what the app's user can read; picking a file proposes the rest.">
                  <div className="flex gap-2">
                    <input aria-label="Script" className={`${input} font-mono`} value={form.script} placeholder="/srv/app/app.fcgi" onChange={(e) => set({ script: e.target.value })} />
                    <Button size="sm" onClick={() => setBrowsing((b) => !b)}>
                      Browse
                    </Button>
                    <Button size="sm" busy={busy === "propose"} disabled={!form.script.startsWith("/")} onClick={() => void propose(form.script)}>
                      Propose
                    </Button>
                  </div>
                </Field>
                {browsing && (
                  <div className="mt-2">
                    <FileBrowser hostId={form.hostId} user={form.user || "www-data"} start={form.script ? form.script.slice(0, form.script.lastIndexOf("/")) || "/" : "/"} onPick={pick} />
                  </div>
                )}
                {notes.length > 0 && (
                  <ul className="mt-2 list-disc space-y-0.5 pl-5 text-xs text-muted" data-testid="proposal-notes">
                    {notes.map((n) => (
                      <li key={n}>{n}</li>
                    ))}
                  </ul>
                )}
              </div>
              <div className="sm:col-span-2">
                <Field label="Command (one argument per line)">
                  <textarea aria-label="Command" className={`${input} h-auto py-1 font-mono text-xs`} rows={3} value={form.command} onChange={(e) => set({ command: e.target.value })} />
                </Field>
              </div>
              <Field label="Working directory">
                <input aria-label="Working directory" className={`${input} font-mono`} value={form.cwd} onChange={(e) => set({ cwd: e.target.value })} />
              </Field>
              <Field label="Processes" hint={form.runtime === "php-fpm" ? "One php-fpm master; its children come from the pool (fpm in the JSON)." : undefined}>
                <input aria-label="Processes" type="number" min={1} max={256} className={input} value={form.runtime === "php-fpm" ? 1 : form.processes} disabled={form.runtime === "php-fpm"} onChange={(e) => set({ processes: Number(e.target.value) || 1 })} />
              </Field>
              <Field label="Socket">
                <input aria-label="Socket path" className={`${input} font-mono`} value={form.socketPath} onChange={(e) => set({ socketPath: e.target.value })} />
              </Field>
              <Field label="Who binds it">
                <select aria-label="Socket binding" className={input} value={form.bind} onChange={(e) => set({ bind: e.target.value as "agent" | "app" })}>
                  <option value="agent">The agent (passed as fd 0)</option>
                  <option value="app">The app (bindAddress)</option>
                </select>
              </Field>
              {(form.runtime === "php-cgi" || form.runtime === "php-fpm" || form.scriptFilename) && (
                <div className="sm:col-span-2">
                  <Field label="SCRIPT_FILENAME">
                    <input aria-label="SCRIPT_FILENAME" className={`${input} font-mono`} value={form.scriptFilename} onChange={(e) => set({ scriptFilename: e.target.value })} />
                  </Field>
                </div>
              )}
              <Field label="Web server">
                <select aria-label="Web server" className={input} value={form.web} onChange={(e) => set({ web: e.target.value as WebChoice })}>
                  <option value="none">None (socket only)</option>
                  <option value="nginx">nginx</option>
                  <option value="lighttpd">lighttpd</option>
                  <option value="apache">Apache</option>
                </select>
              </Field>
              {form.web !== "none" && (
                <>
                  <Field label="Server name">
                    <input aria-label="Server name" className={input} value={form.serverName} onChange={(e) => set({ serverName: e.target.value })} />
                  </Field>
                  <Field label="Listen">
                    <input aria-label="Listen" className={input} value={form.listen} onChange={(e) => set({ listen: e.target.value })} />
                  </Field>
                  <Field label="Mount">
                    <input aria-label="Mount" className={`${input} font-mono`} value={form.mount} onChange={(e) => set({ mount: e.target.value })} />
                  </Field>
                </>
              )}
            </div>
          ) : (
            <div className="mt-3">
              <JsonSpecEditor value={text} onChange={setText} />
            </div>
          )}
          <FieldErrors errors={errors} className="mt-3" />
          {checked && (
            <p className="mt-3 text-xs text-green-700 dark:text-green-400" data-testid="check-ok">
              Checked on the host: ready to start.
            </p>
          )}
          <div className="mt-4 flex justify-end gap-2">
            <Dialog.Close asChild>
              <Button>Cancel</Button>
            </Dialog.Close>
            <Button onClick={() => void send("check")} busy={busy === "check"}>
              Check
            </Button>
            <Button variant="primary" onClick={() => void send("create")} busy={busy === "create"}>
              Create and start
            </Button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
