"use client";
// The "Debug" tab: the doctor (causes and fixes), "run it by hand", and a recorded terminal.
import { Stethoscope, Terminal as TerminalIcon, Wrench } from "lucide-react";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useState } from "react";
import { toast } from "sonner";
import type { DoctorReport, RunByHandResult } from "@/lib/protocol/debug-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";

const Terminal = dynamic(() => import("./terminal").then((m) => m.Terminal), { ssr: false });
const SEVERITY: Record<string, string> = {
  error: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  warning: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  info: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
};

export function DebugPanel({ appId, appUser, canOperate, suggestDoctor }: { appId: string; appUser: string; canOperate: boolean; suggestDoctor: boolean }) {
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [byHand, setByHand] = useState<RunByHandResult | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [session, setSession] = useState<{ id: string; user: string } | null>(null);
  const [lastSession, setLastSession] = useState<string | null>(null);

  const doctor = async () => {
    setBusy("doctor");
    const r = await api<DoctorReport>(`/apps/${appId}/doctor`, { method: "POST" });
    setBusy(null);
    if (r.ok) setReport(r.value);
    else toast.error("The doctor could not run", { description: r.error.message });
  };
  const runByHand = async () => {
    setBusy("hand");
    const r = await api<RunByHandResult>(`/apps/${appId}/run-by-hand`, { method: "POST" });
    setBusy(null);
    if (r.ok) setByHand(r.value);
    else toast.error("Run by hand failed", { description: r.error.message });
  };
  const open = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const user = String(new FormData(e.currentTarget).get("user") || appUser);
    setBusy("pty");
    const r = await api<{ id: string; user: string }>(`/apps/${appId}/debug-sessions`, { method: "POST", body: { user, cols: 100, rows: 28 } });
    setBusy(null);
    if (r.ok) setSession(r.value);
    else toast.error("No terminal", { description: r.error.message });
  };

  return (
    <div className="space-y-6">
      <section className="space-y-2">
        <div className="flex items-center gap-2">
          <Button variant="primary" onClick={doctor} busy={busy === "doctor"} disabled={!canOperate}>
            <Stethoscope className="size-3.5" aria-hidden /> Run the doctor
          </Button>
          {suggestDoctor && !report && <span className="text-xs text-amber-700 dark:text-amber-400">This app is failing (processes restarting, or the web server logged “premature end of headers”): the doctor checks the classic causes.</span>}
        </div>
        {report && (
          <div className="rounded-lg border border-line bg-panel" data-testid="doctor-report">
            <p className="border-b border-line px-3 py-1.5 text-xs text-muted">
              {report.findings.length ? `${report.findings.length} finding(s)` : "No problem found"} · {report.durationMs} ms
            </p>
            <ul className="divide-y divide-line">
              {report.findings.map((f) => (
                <li key={`${f.code}${f.detail}`} className="px-3 py-2" data-code={f.code}>
                  <div className="flex items-center gap-2">
                    <span className={`rounded px-1.5 py-0.5 text-[11px] font-semibold uppercase ${SEVERITY[f.severity] ?? ""}`}>{f.severity}</span>
                    <code className="text-xs text-muted">{f.code}</code>
                    <span className="font-medium">{f.title}</span>
                  </div>
                  <pre className="mt-1 max-h-60 overflow-auto whitespace-pre-wrap text-xs text-muted">{f.detail}</pre>
                  {f.fix && (
                    <p className="mt-1 text-xs">
                      <Wrench className="mr-1 inline size-3" aria-hidden />
                      {f.fix}
                    </p>
                  )}
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>

      <section className="space-y-2">
        <Button onClick={runByHand} busy={busy === "hand"} disabled={!canOperate}>
          Run it by hand
        </Button>
        <p className="text-xs text-muted">Starts one extra instance as the app's user, in its cwd, with its environment, on a temporary socket, and sends it one request.</p>
        {byHand && (
          <div className="rounded-lg border border-line bg-panel text-xs" data-testid="run-by-hand">
            <p className="border-b border-line px-3 py-1.5">
              {byHand.outcome} · exit {byHand.exitCode ?? "—"} {byHand.signal ? `(${byHand.signal})` : ""} · {byHand.durationMs} ms {byHand.error ? `· ${byHand.error}` : ""}
            </p>
            {byHand.response && <pre className="max-h-48 overflow-auto border-b border-line px-3 py-2">{`${byHand.response.status}\n${Object.entries(byHand.response.headers).map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${byHand.response.body}`}</pre>}
            {byHand.stderr && <pre className="max-h-60 overflow-auto bg-red-50 px-3 py-2 text-red-800 dark:bg-red-950 dark:text-red-300">{byHand.stderr}</pre>}
            {byHand.stdout && <pre className="max-h-40 overflow-auto px-3 py-2">{byHand.stdout}</pre>}
          </div>
        )}
      </section>

      <section className="space-y-2">
        {session ? (
          <Terminal sessionId={session.id} user={session.user} onEnded={() => {
            setLastSession(session.id);
            setTimeout(() => setSession(null), 1500);
          }} />
        ) : (
          <form onSubmit={open} className="flex items-end gap-2">
            <label className="text-xs text-muted">
              Open a terminal as
              <input name="user" defaultValue={appUser} className="mt-0.5 block h-8 w-40 rounded-md border border-line bg-surface px-2 text-sm text-ink" aria-label="Terminal user" />
            </label>
            <Button type="submit" busy={busy === "pty"} disabled={!canOperate}>
              <TerminalIcon className="size-3.5" aria-hidden /> Open terminal
            </Button>
            {lastSession && (
              <Link href={`/debug-sessions/${lastSession}`} className="text-xs text-accent underline">
                Replay the last session
              </Link>
            )}
          </form>
        )}
      </section>
    </div>
  );
}
