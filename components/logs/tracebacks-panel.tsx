"use client";
// Traceback groups, newest first: count, first/last seen, a sparkline, and the sample on click.
import { useCallback, useEffect, useState } from "react";
import type { TracebackGroupView } from "@/lib/protocol/log-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { LocalTime } from "../ui/local-time";

function Sparkline({ buckets }: { buckets: number[] }) {
  const max = Math.max(1, ...buckets);
  const w = 120;
  const h = 20;
  const points = buckets.map((b, i) => `${(i / Math.max(1, buckets.length - 1)) * w},${h - (b / max) * h}`).join(" ");
  return (
    <svg width={w} height={h} aria-label="occurrences in the last hour" role="img">
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" className="text-accent" />
    </svg>
  );
}

type Line = { ts: string; pid: number; stream: string; text: string };

/** The log lines around a traceback's last occurrence, from the same process. */
function Surrounding({ appId, group }: { appId: string; group: TracebackGroupView }) {
  const [lines, setLines] = useState<Line[] | null>(null);
  useEffect(() => {
    const at = Date.parse(group.lastSeen);
    const q = new URLSearchParams({ since: new Date(at - 5000).toISOString(), until: new Date(at + 5000).toISOString(), limit: "60" });
    if (group.pids[0]) q.set("process", String(group.pids.at(-1)));
    void api<{ lines: Line[] }>(`/apps/${appId}/logs?${q}`).then((r) => setLines(r.ok ? r.value.lines : []));
  }, [appId, group]);
  if (!lines) return <p className="text-muted">Loading the surrounding lines…</p>;
  if (!lines.length) return null;
  return (
    <pre className="mt-2 max-h-72 overflow-auto rounded bg-surface p-2" data-testid="traceback-context">
      {lines.map((l) => `${l.ts.slice(11, 23)} ${l.pid} ${l.stream} ${l.text}`).join("\n")}
    </pre>
  );
}

export function TracebacksPanel({ appId }: { appId: string }) {
  const [groups, setGroups] = useState<TracebackGroupView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const load = useCallback(async () => {
    const r = await api<TracebackGroupView[]>(`/apps/${appId}/tracebacks`);
    if (r.ok) setGroups(r.value);
    else setError(r.error.message);
  }, [appId]);
  useEffect(() => {
    void load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);
  if (error) return <p className="text-red-600">{error}</p>;
  if (!groups) return <p className="text-muted">Loading…</p>;
  if (!groups.length) return <p className="rounded-lg border border-dashed border-line p-6 text-center text-muted">No tracebacks seen since the agent started. Good.</p>;
  return (
    <div className="space-y-2">
      <div className="flex justify-end">
        <Button size="sm" onClick={load}>
          Refresh
        </Button>
      </div>
      {groups.map((g) => (
        <article key={g.fingerprint} className="rounded-lg border border-line bg-panel" data-testid="traceback-group">
          <button type="button" className="flex w-full items-center gap-3 px-3 py-2 text-left" onClick={() => setOpen(open === g.fingerprint ? null : g.fingerprint)} aria-expanded={open === g.fingerprint}>
            <span className="rounded bg-red-100 px-1.5 py-0.5 font-mono text-xs font-semibold text-red-800 dark:bg-red-950 dark:text-red-300">{g.count}×</span>
            <span className="min-w-0 flex-1">
              <span className="font-semibold">{g.type}</span>
              <span className="ml-2 truncate text-muted">{g.message}</span>
            </span>
            <span className="text-xs text-muted">{g.language}</span>
            <Sparkline buckets={g.buckets} />
            <span className="w-36 text-right text-xs text-muted">last <LocalTime value={g.lastSeen} format="time" /></span>
          </button>
          {open === g.fingerprint && (
            <div className="border-t border-line px-3 py-2 text-xs">
              <p className="mb-1 text-muted">
                first seen <LocalTime value={g.firstSeen} /> · pids {g.pids.join(", ")}
              </p>
              <pre className="max-h-96 overflow-auto whitespace-pre-wrap rounded bg-surface p-2">{g.sample}</pre>
              <p className="mt-2 text-muted">Around the last occurrence (±5 s, same process):</p>
              <Surrounding appId={appId} group={g} />
            </div>
          )}
        </article>
      ))}
    </div>
  );
}
