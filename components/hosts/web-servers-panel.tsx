"use client";
// A host's web servers: each one the agent found or was told about, with its health (running,
// pid, last apply), and, for owners, the host setting (targets) as a form per server, or as JSON one
// click away, saved through the API (audited, sent to the agent). STOKER_WEB_TARGETS and
// web-targets.json on the host still win.
import { useState } from "react";
import { toast } from "sonner";
import type { DetectedWebServer, WebTargets } from "@/lib/protocol/web-servers";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { StateBadge } from "../ui/state-badge";
import { WebTargetsForm } from "./web-targets-form";
import { LocalTime } from "../ui/local-time";

type View = { hostId: string; setting: WebTargets; servers: DetectedWebServer[]; delivered: boolean | null };

function ServerRow({ s }: { s: DetectedWebServer }) {
  return (
    <tr className="border-t border-line/60" data-testid="web-server-row" data-server={s.server} data-running={s.running}>
      <td className="px-3 py-2 font-semibold">{s.server}</td>
      <td className="px-3 py-2">
        <StateBadge state={s.running ? "RUNNING" : "STOPPED"} />
        {s.pid ? <span className="ml-2 font-mono text-xs text-muted">pid {s.pid}</span> : null}
      </td>
      <td className="px-3 py-2 font-mono text-xs">{s.version || "—"}</td>
      <td className="px-3 py-2 font-mono text-xs">{s.configDir || "—"}</td>
      <td className="px-3 py-2 font-mono text-xs">{s.errorLog || "—"}</td>
      <td className="px-3 py-2 text-xs">{s.reloadVia}</td>
      <td className="px-3 py-2 text-xs text-muted">{s.sources.join(" → ")}</td>
      <td className="px-3 py-2 text-xs">
        {s.lastApply ? (
          <span className={s.lastApply.ok ? "text-emerald-700" : "text-red-600"} title={s.lastApply.message}>
            {s.lastApply.ok ? "ok" : `failed at ${s.lastApply.step}`} · <LocalTime value={s.lastApply.at} format="time" />
          </span>
        ) : (
          "—"
        )}
      </td>
    </tr>
  );
}

export function WebServersPanel({ hostId, hostName, initial, canManage }: { hostId: string; hostName: string; initial: View; canManage: boolean }) {
  const [view, setView] = useState<View>(initial);
  const [text, setText] = useState(JSON.stringify(initial.setting, null, 2));
  const [busy, setBusy] = useState(false);
  const [asJson, setAsJson] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const saveText = () => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return toast.error("The setting is not valid JSON.");
    }
    void save(body);
  };
  const save = async (body: unknown) => {
    setBusy(true);
    const r = await api<View>(`/hosts/${hostId}/web-servers`, { method: "PUT", body });
    setBusy(false);
    if (!r.ok) return toast.error("Could not save the web-server setting", { description: r.error.message });
    setView(r.value);
    setText(JSON.stringify(r.value.setting, null, 2));
    setFormKey((k) => k + 1); // the form starts again from the saved setting
    toast.success(r.value.delivered ? "Saved; the agent uses it now." : "Saved; the agent gets it when it reconnects.");
  };
  return (
    <section className="space-y-2 rounded-lg border border-line bg-panel p-4" data-testid="web-servers" aria-label={`Web servers on ${hostName}`}>
      <h2 className="text-sm font-semibold">Web servers on {hostName}</h2>
      {view.servers.length === 0 ? (
        <p className="text-sm text-muted">No web server found on this host (nginx, lighttpd or Apache), and none configured.</p>
      ) : (
        // Eight columns: at phone width the table scrolls inside the panel, not the page.
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-muted">
              <tr>
                {["Server", "Health", "Version", "Sites go to", "Error log", "Reload", "Settings from", "Last apply"].map((c) => (
                  <th key={c} className="px-3 py-1 font-medium">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.servers.map((s) => (
                <ServerRow key={s.server} s={s} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canManage ? (
        <details className="text-sm">
          <summary className="cursor-pointer text-muted">Change the targets (host setting)</summary>
          <div className="my-1 flex justify-end">
            <Button size="sm" variant="ghost" onClick={() => setAsJson((j) => !j)}>
              {asJson ? "Edit as a form" : "Edit as JSON"}
            </Button>
          </div>
          {asJson ? (
            <>
              <p className="my-1 text-xs text-muted">
                Per server: dir, validateArgv, reloadArgv (empty: reload by reloadSignal to the pid file), reloadSignal, startArgv, pidFile, errorLog, siteLogDir, settleMs. Fields left out keep what the agent detected.
              </p>
              <textarea className="h-40 w-full rounded border border-line bg-surface p-2 font-mono text-xs" value={text} onChange={(e) => setText(e.target.value)} aria-label="Web-server setting (JSON)" />
              <Button variant="primary" disabled={busy} onClick={saveText}>
                Save setting
              </Button>
            </>
          ) : (
            <WebTargetsForm key={formKey} setting={view.setting} servers={view.servers} busy={busy} onSave={(t) => void save(t)} />
          )}
        </details>
      ) : null}
    </section>
  );
}
