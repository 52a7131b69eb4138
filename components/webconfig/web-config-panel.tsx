"use client";
// The "Web server" tab: pick a server, read the rendered config, compare it with what is applied,
// apply it with a step-by-step progress view, see drift, and roll back to an earlier version.
import { Check, Copy, X } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import type { ApplyOutcomeView } from "@/lib/protocol/agent-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ConfigDiff, ConfigText } from "./config-text";
import { LocalTime } from "../ui/local-time";

type View = { server: string; text: string; path: string; applied: string | null; appliedVersion: number | null; drift: boolean; diskText: string | null };
type Version = { version: number; server: string; ok: boolean; step: string; output: string; actor: string; at: string; text: string };
const STEPS = ["write", "validate", "swap", "reload", "probe", "done"] as const;

function Steps({ outcome, running }: { outcome: (ApplyOutcomeView & { version: number }) | null; running: boolean }) {
  const reached = outcome ? STEPS.indexOf(outcome.step) : -1;
  return (
    <ol className="flex flex-wrap gap-2 text-xs" aria-label="Apply progress" data-testid="apply-steps">
      {STEPS.map((s, i) => {
        const failed = outcome && !outcome.ok && i === reached;
        const done = outcome && (outcome.ok ? i <= reached : i < reached);
        return (
          <li key={s} data-step={s} data-status={failed ? "failed" : done ? "ok" : running ? "running" : "pending"} className="flex items-center gap-1 rounded border border-line px-2 py-1">
            {failed ? <X className="size-3 text-red-600" /> : done ? <Check className="size-3 text-emerald-600" /> : <span className={running ? "size-2 animate-pulse rounded-full bg-amber-400" : "size-2 rounded-full bg-line"} />}
            {s}
          </li>
        );
      })}
    </ol>
  );
}

type Props = { appId: string; canApply: boolean; defaultServer: string | null };

export function WebConfigPanel(props: Props) {
  // No web section: nothing to render or apply (the agent would refuse every server), so no request.
  if (props.defaultServer === null) {
    return (
      <p className="rounded-lg border border-dashed border-line p-4 text-sm text-muted" data-testid="no-web-section">
        This app has no web server section. Choose a web server in the Spec tab (server, server name, listen, mount) and its config shows here.
      </p>
    );
  }
  return <WebConfigEditor {...props} defaultServer={props.defaultServer} />;
}

function WebConfigEditor({ appId, canApply, defaultServer }: Props & { defaultServer: string }) {
  const [server, setServer] = useState(defaultServer);
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<Version[]>([]);
  const [applying, setApplying] = useState(false);
  const [outcome, setOutcome] = useState<(ApplyOutcomeView & { version: number }) | null>(null);

  const load = useCallback(async () => {
    const [v, h] = await Promise.all([api<View>(`/apps/${appId}/webconfig?server=${server}`), api<Version[]>(`/apps/${appId}/webconfig/history`)]);
    if (v.ok) {
      setView(v.value);
      setError(null);
    } else setError(v.error.message);
    if (h.ok) setHistory(h.value.filter((x) => x.server === server));
  }, [appId, server]);
  useEffect(() => void load(), [load]);

  const apply = async (path: string, body: unknown, label: string) => {
    setApplying(true);
    setOutcome(null);
    const r = await api<ApplyOutcomeView & { version: number }>(path, { method: "POST", body });
    setApplying(false);
    if (!r.ok) return toast.error(`${label} failed`, { description: r.error.message });
    setOutcome(r.value);
    if (r.value.ok) toast.success(`${label}: version ${r.value.version} is live`);
    else toast.error(`${label} failed at "${r.value.step}"${r.value.rolledBack ? "; the previous config was restored" : ""}`, { description: r.value.message });
    void load();
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2">
        <label className="text-xs text-muted" htmlFor="server-pick">
          Server
        </label>
        <select id="server-pick" value={server} onChange={(e) => setServer(e.target.value)} className="h-8 rounded-md border border-line bg-surface px-2">
          <option value="nginx">nginx</option>
          <option value="lighttpd">lighttpd</option>
          <option value="apache">Apache (mod_proxy_fcgi)</option>
        </select>
        {view && <code className="text-xs text-muted">{view.path}</code>}
        <div className="ml-auto flex gap-2">
          {view && (
            <Button size="sm" onClick={() => void navigator.clipboard?.writeText(view.text).then(() => toast.success("Config copied"))}>
              <Copy className="size-3.5" aria-hidden /> Copy
            </Button>
          )}
          <Button size="sm" variant="primary" busy={applying} disabled={!canApply || !view} title={canApply ? undefined : "Needs the admin role"} onClick={() => apply(`/apps/${appId}/webconfig/apply`, { server }, "Apply")}>
            Apply
          </Button>
        </div>
      </div>
      {error && <p role="alert" className="rounded-md bg-amber-50 px-3 py-2 text-amber-900 dark:bg-amber-950 dark:text-amber-200">{error}</p>}
      {(applying || outcome) && (
        <div className="space-y-2 rounded-lg border border-line bg-panel p-3">
          <Steps outcome={outcome} running={applying} />
          {outcome && !outcome.ok && <pre className="max-h-48 overflow-auto whitespace-pre-wrap text-xs text-red-700 dark:text-red-300">{`${outcome.message}\n${outcome.validatorOutput}`}</pre>}
          {outcome?.probe && <p className="text-xs text-muted">Probe through the web server: {outcome.probe.status} in {outcome.probe.ms} ms</p>}
        </div>
      )}
      {view?.drift && (
        <div role="alert" className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 dark:border-amber-800 dark:bg-amber-950">
          <p className="font-medium">The file on disk was changed by hand since version {view.appliedVersion} was applied.</p>
          <ConfigDiff from={view.applied ?? ""} to={view.diskText ?? ""} />
          {canApply && (
            <div className="flex gap-2">
              <Button size="sm" onClick={() => apply(`/apps/${appId}/webconfig/apply`, { server }, "Re-apply")}>
                Re-apply Stoker's version
              </Button>
              <Button size="sm" onClick={() => apply(`/apps/${appId}/webconfig/adopt`, { server }, "Adopt")}>
                Adopt the hand edit
              </Button>
            </div>
          )}
        </div>
      )}
      {view && (
        <section className="grid gap-4 lg:grid-cols-2">
          <div>
            <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted">Rendered</h3>
            <ConfigText text={view.text} />
          </div>
          <div>
            <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted">Against applied {view.appliedVersion ? `v${view.appliedVersion}` : "(nothing yet)"}</h3>
            <ConfigDiff from={view.applied ?? ""} to={view.text} />
          </div>
        </section>
      )}
      <section>
        <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted">History</h3>
        {history.length === 0 ? (
          <p className="text-xs text-muted">Nothing applied to {server} yet.</p>
        ) : (
          <table className="w-full text-left text-xs" data-testid="webconfig-history">
            <tbody>
              {history.map((v) => (
                <tr key={v.version} className="border-t border-line" data-version={v.version}>
                  <td className="py-1.5 pr-2 font-mono">v{v.version}</td>
                  <td className="pr-2">{v.ok ? <span className="text-emerald-600">{v.step === "adopted" ? "adopted" : "applied"}</span> : <span className="text-red-600">failed at {v.step}</span>}</td>
                  <td className="pr-2 text-muted">{v.actor}</td>
                  <td className="pr-2 text-muted"><LocalTime value={v.at} /></td>
                  <td className="text-right">
                    {v.ok && canApply && v.version !== view?.appliedVersion && (
                      <ConfirmDialog
                        title={`Roll back to v${v.version}?`}
                        description="That version is validated, swapped in and probed like any apply; on failure the current one stays."
                        confirmLabel="Roll back"
                        onConfirm={() => apply(`/apps/${appId}/webconfig/rollback`, { server, version: v.version }, "Rollback")}
                        trigger={<Button size="sm">Roll back</Button>}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
