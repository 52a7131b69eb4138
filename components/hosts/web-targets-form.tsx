"use client";
// The host's web-server setting as a form: per server (each one detected, or already in the
// setting), whether the host setting overrides it at all, its config dir, how it reloads, its
// error log and site log dir, with what the agent detected shown beside each field. Fields left
// empty keep the detected value. The same setting as JSON stays one click away.
import { useState } from "react";
import type { DetectedWebServer, WebTarget, WebTargets } from "@/lib/protocol/web-servers";
import { Button } from "../ui/button";

const SERVERS = ["nginx", "lighttpd", "apache"] as const;
type Server = (typeof SERVERS)[number];
type Row = { on: boolean; dir: string; reload: "detected" | "signal" | "command"; reloadSignal: string; reloadArgv: string; errorLog: string; siteLogDir: string };

function rowOf(t: WebTarget | undefined): Row {
  const reload = t?.reloadArgv === undefined ? (t?.reloadSignal ? "signal" : "detected") : t.reloadArgv.length === 0 ? "signal" : "command";
  return { on: t !== undefined, dir: t?.dir ?? "", reload, reloadSignal: t?.reloadSignal ?? "SIGHUP", reloadArgv: (t?.reloadArgv ?? []).join(" "), errorLog: t?.errorLog ?? "", siteLogDir: t?.siteLogDir ?? "" };
}

/** Keeps every field the form does not show (validateArgv, startArgv, pidFile, settleMs) as it was. */
function targetOf(row: Row, before: WebTarget | undefined): WebTarget | undefined {
  if (!row.on) return undefined;
  const { dir: _d, reloadArgv: _ra, reloadSignal: _rs, errorLog: _e, siteLogDir: _s, ...kept } = before ?? {};
  const t: WebTarget = { ...kept };
  if (row.dir.trim()) t.dir = row.dir.trim();
  if (row.errorLog.trim()) t.errorLog = row.errorLog.trim();
  if (row.siteLogDir.trim()) t.siteLogDir = row.siteLogDir.trim();
  if (row.reload === "signal") {
    t.reloadArgv = [];
    t.reloadSignal = row.reloadSignal as WebTarget["reloadSignal"];
  } else if (row.reload === "command") {
    // argv, split on spaces: an argument with a space needs the JSON editor.
    t.reloadArgv = row.reloadArgv.split(/\s+/).filter(Boolean);
  }
  return t;
}

function Field({ label, value, detected, onChange, disabled }: { label: string; value: string; detected: string; onChange: (v: string) => void; disabled: boolean }) {
  return (
    <label className="block text-xs">
      <span className="text-muted">{label}</span>
      <input className="mt-0.5 h-7 w-full rounded border border-line bg-surface px-2 font-mono text-xs disabled:opacity-50" value={value} placeholder={detected || "—"} disabled={disabled} onChange={(e) => onChange(e.target.value)} aria-label={label} />
      <span className="text-[11px] text-muted">detected: {detected || "—"}</span>
    </label>
  );
}

export function WebTargetsForm({ setting, servers, busy, onSave }: { setting: WebTargets; servers: DetectedWebServer[]; busy: boolean; onSave: (targets: WebTargets) => void }) {
  const shown = SERVERS.filter((s) => setting[s] !== undefined || servers.some((d) => d.server === s));
  const [rows, setRows] = useState<Record<Server, Row>>({ nginx: rowOf(setting.nginx), lighttpd: rowOf(setting.lighttpd), apache: rowOf(setting.apache) });
  const set = (s: Server, patch: Partial<Row>) => setRows((r) => ({ ...r, [s]: { ...r[s], ...patch } }));
  const save = () => {
    const out: WebTargets = {};
    for (const s of SERVERS) {
      const t = targetOf(rows[s], setting[s]);
      if (t) out[s] = t;
    }
    onSave(out);
  };
  if (!shown.length) return <p className="text-xs text-muted">No web server was detected on this host; use the JSON editor to name one.</p>;
  return (
    <div className="space-y-3" data-testid="web-targets-form">
      {shown.map((s) => {
        const d = servers.find((x) => x.server === s);
        const r = rows[s];
        return (
          <fieldset key={s} className="rounded border border-line p-2" data-form-server={s}>
            <legend className="px-1 text-sm font-semibold">
              {s} {d ? <span className="font-normal text-xs text-muted">{d.version} · {d.running ? `running (pid ${d.pid ?? "?"})` : "not running"} · reloads via {d.reloadVia}</span> : <span className="text-xs text-muted">not detected</span>}
            </legend>
            <label className="mb-2 flex items-center gap-2 text-xs">
              <input type="checkbox" checked={r.on} onChange={(e) => set(s, { on: e.target.checked })} aria-label={`Override ${s}`} />
              Enabled: this host setting overrides what the agent detected for {s}
            </label>
            <div className="grid grid-cols-1 gap-2 md:grid-cols-2">
              <Field label="Config dir (sites go here)" value={r.dir} detected={d?.configDir ?? ""} disabled={!r.on} onChange={(v) => set(s, { dir: v })} />
              <Field label="Error log" value={r.errorLog} detected={d?.errorLog ?? ""} disabled={!r.on} onChange={(v) => set(s, { errorLog: v })} />
              <Field label="Site log dir" value={r.siteLogDir} detected={d?.target.siteLogDir ?? ""} disabled={!r.on} onChange={(v) => set(s, { siteLogDir: v })} />
              <label className="block text-xs">
                <span className="text-muted">Reload method</span>
                <div className="mt-0.5 flex gap-2">
                  <select className="h-7 rounded border border-line bg-surface px-1 text-xs" value={r.reload} disabled={!r.on} onChange={(e) => set(s, { reload: e.target.value as Row["reload"] })} aria-label={`${s} reload method`}>
                    <option value="detected">as detected</option>
                    <option value="signal">signal to the pid file</option>
                    <option value="command">command</option>
                  </select>
                  {r.reload === "signal" ? (
                    <select className="h-7 rounded border border-line bg-surface px-1 text-xs" value={r.reloadSignal} disabled={!r.on} onChange={(e) => set(s, { reloadSignal: e.target.value })} aria-label={`${s} reload signal`}>
                      {["SIGHUP", "SIGUSR1", "SIGUSR2"].map((sig) => (
                        <option key={sig}>{sig}</option>
                      ))}
                    </select>
                  ) : null}
                  {r.reload === "command" ? (
                    <input className="h-7 flex-1 rounded border border-line bg-surface px-2 font-mono text-xs" value={r.reloadArgv} disabled={!r.on} placeholder={(d?.target.reloadArgv ?? []).join(" ")} onChange={(e) => set(s, { reloadArgv: e.target.value })} aria-label={`${s} reload command`} />
                  ) : null}
                </div>
                <span className="text-[11px] text-muted">detected: {d ? `${d.reloadVia}${d.target.reloadArgv?.length ? ` (${d.target.reloadArgv.join(" ")})` : ""}` : "—"}</span>
              </label>
            </div>
          </fieldset>
        );
      })}
      <Button variant="primary" disabled={busy} onClick={save}>
        Save setting
      </Button>
    </div>
  );
}
