"use client";
// The audit history: filters in the URL, infinite scroll, a detail view with a before/after diff, export.
import { clsx } from "clsx";
import { Download } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Fragment, useCallback, useEffect, useRef, useState } from "react";
import { api, BASE_PATH } from "../api-client";
import { Button } from "../ui/button";
import { ConfigDiff } from "../webconfig/config-text";
import { TableHead } from "../ui/table-head";
import { LocalTime } from "../ui/local-time";

type AuditEvent = { id: number; ts: string; actor: { type: string; label: string }; action: string; target: string; before: unknown; after: unknown; ip: string; result: string };
const FILTERS = ["actor", "action", "target", "since", "until"] as const;
const recordingOf = (e: AuditEvent): string | null => {
  const after = e.after as { recording?: unknown } | null;
  return typeof after?.recording === "string" && after.recording.startsWith("/debug-sessions/") ? after.recording : null;
};
const pretty = (v: unknown) => (v === null || v === undefined ? "" : JSON.stringify(v, null, 2));

export function AuditTable() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const [verify, setVerify] = useState<{ ok: boolean; checked: number; firstBrokenId: number | null } | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const query = new URLSearchParams();
  for (const f of FILTERS) {
    const v = params.get(f);
    if (v) query.set(f, f === "since" || f === "until" ? new Date(v).toISOString() : v);
  }
  const queryString = query.toString();

  const load = useCallback(
    async (from: number | null) => {
      setLoading(true);
      const q = new URLSearchParams(queryString);
      q.set("limit", "100");
      if (from) q.set("cursor", String(from));
      const r = await api<{ events: AuditEvent[]; nextCursor: number | null }>(`/audit?${q}`);
      setLoading(false);
      if (!r.ok) return;
      setEvents((prev) => (from ? [...prev, ...r.value.events] : r.value.events));
      setCursor(r.value.nextCursor);
      setDone(r.value.nextCursor === null);
    },
    [queryString],
  );
  useEffect(() => void load(null), [load]);
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries[0]?.isIntersecting && !loading && !done && cursor) void load(cursor);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [cursor, loading, done, load]);

  const setFilter = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const k of FILTERS) {
      const v = String(f.get(k) ?? "");
      if (v) next.set(k, v);
    }
    router.replace(`${pathname}?${next}`);
  };
  const input = "h-8 rounded-md border border-line bg-surface px-2 outline-none focus:border-accent";
  return (
    <div className="space-y-3">
      <form onSubmit={setFilter} className="flex flex-wrap items-end gap-2" key={params.toString()}>
        {(["actor", "action", "target"] as const).map((k) => (
          <label key={k} className="text-xs text-muted">
            {k}
            <input name={k} defaultValue={params.get(k) ?? ""} className={clsx(input, "mt-0.5 block w-40 text-sm text-ink")} placeholder={k === "action" ? "e.g. app." : ""} />
          </label>
        ))}
        {(["since", "until"] as const).map((k) => (
          <label key={k} className="text-xs text-muted">
            {k}
            <input name={k} type="datetime-local" defaultValue={params.get(k) ?? ""} className={clsx(input, "mt-0.5 block text-sm text-ink")} />
          </label>
        ))}
        <Button type="submit">Filter</Button>
        <div className="ml-auto flex gap-2">
          <Button
            onClick={async () => {
              const r = await api<{ ok: boolean; checked: number; firstBrokenId: number | null }>("/audit/verify");
              if (r.ok) setVerify(r.value);
            }}
          >
            Verify chain
          </Button>
          {(["csv", "jsonl"] as const).map((fmt) => (
            <a key={fmt} href={`${BASE_PATH}/api/v1/audit/export?format=${fmt}&${queryString}`} className="inline-flex h-8 items-center gap-1 rounded-md border border-line px-3 hover:bg-surface">
              <Download className="size-3.5" aria-hidden /> {fmt.toUpperCase()}
            </a>
          ))}
        </div>
      </form>
      {verify && (
        <p role="status" className={clsx("rounded-md px-3 py-2 text-xs", verify.ok ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200" : "bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200")}>
          {verify.ok ? `Chain intact: ${verify.checked} events verified.` : `Chain broken at event ${verify.firstBrokenId}: an event was edited or deleted.`}
        </p>
      )}
      <table className="w-full rounded-lg border border-line bg-panel text-left" data-testid="audit-table">
        <TableHead columns={["#", "Time", "Actor", "Action", "Target", "Result", "IP"]} />
        <tbody>
          {events.map((e) => (
            <Fragment key={e.id}>
              <tr className="cursor-pointer border-t border-line/60 hover:bg-surface" onClick={() => setOpen(open === e.id ? null : e.id)} data-action={e.action} aria-expanded={open === e.id}>
                <td className="px-3 py-1.5 font-mono text-xs text-muted">{e.id}</td>
                <td className="px-3 py-1.5 text-xs"><LocalTime value={e.ts} /></td>
                <td className="px-3 py-1.5">{e.actor.label}</td>
                <td className="px-3 py-1.5 font-mono text-xs">{e.action}</td>
                <td className="px-3 py-1.5 text-xs">{e.target}</td>
                <td className={clsx("px-3 py-1.5 text-xs", e.result === "failure" ? "text-red-600" : "text-emerald-600")}>{e.result}</td>
                <td className="px-3 py-1.5 font-mono text-xs text-muted">{e.ip}</td>
              </tr>
              {open === e.id && (
                <tr>
                  <td colSpan={7} className="border-t border-line bg-surface px-3 py-2">
                    {recordingOf(e) && (
                      <Link href={recordingOf(e) ?? "/"} className="mb-2 inline-block text-xs text-accent underline">
                        Replay the recorded terminal session
                      </Link>
                    )}
                    {e.before || e.after ? <ConfigDiff from={pretty(e.before)} to={pretty(e.after)} /> : <p className="text-xs text-muted">No details recorded.</p>}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {!events.length && !loading && <p className="text-center text-muted">No events match these filters.</p>}
      <div ref={sentinel} className="py-2 text-center text-xs text-muted">
        {loading ? "Loading…" : done ? (events.length ? "End of history." : "") : ""}
      </div>
    </div>
  );
}
