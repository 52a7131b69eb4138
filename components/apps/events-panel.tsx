"use client";
// An app's process history, newest first: starts, exits (with their last output), restarts,
// adoptions after an agent restart, FATAL, recycles. Older pages load on demand.
import { useCallback, useEffect, useState } from "react";
import { EVENT_LABEL, type ProcessEvent, type ProcessEventPage } from "@/lib/protocol/process-events";
import { api } from "../api-client";
import { Button } from "../ui/button";

const TONE: Partial<Record<ProcessEvent["kind"], string>> = { fatal: "text-red-600", exit: "text-amber-600", adopt: "text-accent", recycle: "text-muted", slow: "text-red-600", limit: "text-red-600", scale: "text-accent" };

function EventRow({ event }: { event: ProcessEvent }) {
  const [head, ...rest] = event.detail.split("\n");
  return (
    <li className="border-b border-line px-3 py-2 last:border-b-0" data-testid="process-event" data-kind={event.kind}>
      <div className="flex gap-3 text-sm">
        <time className="w-44 shrink-0 font-mono text-xs text-muted" dateTime={event.ts}>
          {event.ts.replace("T", " ").slice(0, 23)}
        </time>
        <span className={`w-20 shrink-0 font-medium ${TONE[event.kind] ?? ""}`}>{EVENT_LABEL[event.kind]}</span>
        <span className="w-16 shrink-0 font-mono text-xs">{event.pid || "-"}</span>
        <span className="min-w-0 break-words">{head}</span>
      </div>
      {rest.length > 0 && <pre className="mt-1 max-h-48 overflow-auto rounded bg-surface p-2 text-xs">{rest.join("\n")}</pre>}
    </li>
  );
}

export function EventsPanel({ appId }: { appId: string }) {
  const [events, setEvents] = useState<ProcessEvent[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    async (cursor: string | null) => {
      const q = new URLSearchParams({ limit: "100", ...(cursor ? { cursor } : {}) });
      const r = await api<ProcessEventPage>(`/apps/${appId}/events?${q}`);
      if (!r.ok) return setError(r.error.message);
      setError(null);
      setEvents((old) => (cursor ? [...(old ?? []), ...r.value.events] : r.value.events));
      setNext(r.value.nextCursor);
    },
    [appId],
  );
  useEffect(() => {
    void load(null);
    const t = setInterval(() => void load(null), 5000);
    return () => clearInterval(t);
  }, [load]);
  if (error) return <p className="text-red-600">{error}</p>;
  if (!events) return <p className="text-muted">Loading…</p>;
  if (!events.length) return <p className="rounded-lg border border-dashed border-line p-6 text-center text-muted">No process events yet.</p>;
  return (
    <div className="space-y-2">
      <ul className="rounded-lg border border-line bg-panel">
        {events.map((e, i) => (
          <EventRow key={`${e.ts}-${e.pid}-${e.kind}-${i}`} event={e} />
        ))}
      </ul>
      {next && (
        <Button size="sm" onClick={() => void load(next)}>
          Older events
        </Button>
      )}
    </div>
  );
}
