"use client";
// The guided form's fields, shared by "New app" and an app's Spec tab: a runtime preset, a script
// picked on the host (the agent proposes the rest from what it does), socket, processes, web server.
// An app being edited keeps its host and name (they cannot change).
import { useState } from "react";
import type { Proposal, Runtime } from "@/lib/protocol/guided-messages";
import type { HostView } from "@/lib/protocol/ui-messages";
import { api } from "../../api-client";
import { Button } from "../../ui/button";
import { FileBrowser } from "./file-browser";
import { type AppForm, applyPreset, applyProposal, AVAILABLE_RUNTIMES, RUNTIME_LABELS, type WebChoice } from "./form-spec";

const input = "h-8 w-full rounded-md border border-line bg-surface px-2 text-sm text-ink outline-none focus:border-accent disabled:opacity-60";

function Field({ label, hint, children }: { label: string; hint?: string; children: React.ReactNode }) {
  return (
    <div className="block text-xs text-muted">
      <span>{label}</span>
      <div className="mt-0.5">{children}</div>
      {hint && <span className="text-[11px]">{hint}</span>}
    </div>
  );
}

/** Form or JSON: the same spec, one click apart. */
export function SpecModeTabs({ mode, onChange }: { mode: "form" | "json"; onChange: (m: "form" | "json") => void }) {
  return (
    <div className="ml-auto flex rounded-md border border-line text-xs" role="tablist" aria-label="Edit as">
      {(["form", "json"] as const).map((m) => (
        <button key={m} type="button" role="tab" aria-selected={mode === m} onClick={() => onChange(m)} className={`px-2.5 py-1 ${mode === m ? "bg-accent text-white" : "text-muted"}`}>
          {m === "form" ? "Form" : "JSON"}
        </button>
      ))}
    </div>
  );
}

type Props = {
  form: AppForm;
  update: (change: (f: AppForm) => AppForm) => void;
  hosts: Pick<HostView, "id" | "name" | "online">[];
  /** Editing a saved app: its host and name are fixed. */
  locked?: boolean;
  onScriptError: (message: string | null) => void;
};

export function AppFormFields({ form, update, hosts, locked = false, onScriptError }: Props) {
  const [notes, setNotes] = useState<string[]>([]);
  const [browsing, setBrowsing] = useState(false);
  const [proposing, setProposing] = useState(false);
  const set = (patch: Partial<AppForm>) => update((f) => ({ ...f, ...patch }));

  const propose = async (script: string) => {
    setProposing(true);
    const r = await api<Proposal>(`/hosts/${form.hostId}/propose`, { method: "POST", body: { script, user: form.user || "www-data", name: form.name, ...(form.runtime === "php-fpm" ? { runtime: "php-fpm" } : {}) } });
    setProposing(false);
    if (!r.ok) {
      onScriptError(r.error.message);
      return;
    }
    onScriptError(null);
    update((f) => applyProposal({ ...f, script }, r.value));
    setNotes(r.value.notes);
  };
  const pick = (script: string) => {
    setBrowsing(false);
    update((f) => applyPreset({ ...f, script, cwd: "" }, f.runtime));
    void propose(script);
  };

  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
      <Field label="Host">
        <select aria-label="Host" className={input} value={form.hostId} disabled={locked} onChange={(e) => set({ hostId: e.target.value })}>
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.name} {h.online ? "" : "(offline)"}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Runtime">
        <select aria-label="Runtime" className={input} value={form.runtime} onChange={(e) => update((f) => applyPreset(f, e.target.value as Runtime))}>
          {(Object.keys(RUNTIME_LABELS) as Runtime[]).map((r) => (
            <option key={r} value={r} disabled={!AVAILABLE_RUNTIMES.includes(r)}>
              {RUNTIME_LABELS[r]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Name" hint={locked ? "An app's name and host cannot change." : undefined}>
        <input aria-label="Name" className={input} value={form.name} disabled={locked} onChange={(e) => set({ name: e.target.value })} />
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
            <Button size="sm" busy={proposing} disabled={!form.script.startsWith("/")} onClick={() => void propose(form.script)}>
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
  );
}
