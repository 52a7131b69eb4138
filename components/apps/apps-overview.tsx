"use client";
// The overview: hosts at a glance and the apps, a page at a time from the API (search by name, more
// pages as you scroll), rendering only the cards in view. Each card follows its own app live.
import { useVirtualizer } from "@tanstack/react-virtual";
import { Search } from "lucide-react";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Page } from "@/lib/protocol/list-query";
import type { AppView, HostView } from "@/lib/protocol/ui-messages";
import { api } from "../api-client";
import { formatCount, formatDuration } from "../format";
import { appStore } from "../live/app-store";
import { useLiveApps } from "../live/use-live-apps";
import { useSparklines } from "../metrics/app-sparklines";
import { StateBadge } from "../ui/state-badge";
import { AppCard } from "./app-card";

/** `cards`: how many host cards the overview shows (the first hosts by name). */
export type HostSummary = { total: number; online: number; first: HostView[]; cards: number };
type Props = { apps: Page<AppView>; hosts: HostSummary; canOperate: boolean };

const PAGE = 50;
const GAP = 12;

function HostCards({ hosts }: { hosts: HostSummary }) {
  const { hosts: shown } = useLiveApps([], hosts.first, hosts.cards);
  if (hosts.total === 0) {
    return (
      <div className="rounded-lg border border-dashed border-line bg-panel p-6 text-center text-muted">
        No host is enrolled yet. <Link className="text-accent underline" href="/hosts">Add a host</Link> to run apps.
      </div>
    );
  }
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
        {shown.map((h) => (
          <div key={h.id} className="rounded-lg border border-line bg-panel p-3" data-testid="host-card" data-online={h.online}>
            <div className="flex items-center justify-between">
              <span className="font-semibold">{h.name}</span>
              <StateBadge state={h.online ? "ONLINE" : "OFFLINE"} />
            </div>
            <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
              <dt className="text-muted">OS</dt>
              <dd className="truncate">{h.facts.os ?? "—"}</dd>
              <dt className="text-muted">Agent</dt>
              <dd data-testid="agent-version">{h.facts.agentVersion ?? "—"}</dd>
              <dt className="text-muted">Uptime</dt>
              <dd>{h.facts.uptimeS !== undefined ? formatDuration(h.facts.uptimeS) : "—"}</dd>
              <dt className="text-muted">Load</dt>
              <dd>{h.facts.loadAvg?.join(" ") ?? "—"}</dd>
            </dl>
          </div>
        ))}
      </div>
      {hosts.total > shown.length && (
        <p className="mt-2 text-xs text-muted" data-testid="host-summary">
          {formatCount(hosts.total)} hosts, {formatCount(hosts.online)} online.{" "}
          <Link className="text-accent underline" href="/hosts">
            All hosts
          </Link>
        </p>
      )}
    </>
  );
}

export function AppsOverview(props: Props) {
  const [ids, setIds] = useState<{ ids: string[]; byId: Map<string, AppView> }>(() => ({ ids: props.apps.items.map((a) => a.id), byId: new Map(props.apps.items.map((a) => [a.id, a])) }));
  const [cursor, setCursor] = useState(props.apps.nextCursor);
  const [q, setQ] = useState("");
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState("");
  const query = useRef({ q: "", seq: 0 });
  const listRef = useRef<HTMLDivElement>(null);
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const sparks = useSparklines();

  // The store only ever holds what this browser loaded (never filled on the server: one per process).
  useEffect(() => appStore.put(props.apps.items), [props.apps.items]);
  useEffect(() => setScroller(listRef.current?.closest("main") ?? null), []);

  const load = useCallback(async (search: string, after: string | null) => {
    const seq = ++query.current.seq;
    setLoading(true);
    const params = new URLSearchParams({ limit: String(PAGE), ...(search ? { q: search } : {}), ...(after ? { cursor: after } : {}) });
    const r = await api<Page<AppView>>(`/apps?${params}`);
    if (seq !== query.current.seq) return; // a newer search answered first
    setLoading(false);
    if (!r.ok) return setError(r.error.message);
    setError("");
    appStore.put(r.value.items);
    setIds((prev) => {
      const base = after ? prev : { ids: [], byId: new Map<string, AppView>() };
      const byId = new Map(base.byId);
      const fresh = r.value.items.filter((a) => !byId.has(a.id));
      for (const a of fresh) byId.set(a.id, a);
      return { ids: [...base.ids, ...fresh.map((a) => a.id)], byId };
    });
    setCursor(r.value.nextCursor);
  }, []);

  // Typing searches on the server after a short pause; every search starts from the first page.
  useEffect(() => {
    if (q === query.current.q) return;
    query.current.q = q;
    const timer = setTimeout(() => void load(q, null), 250);
    return () => clearTimeout(timer);
  }, [q, load]);

  const virtualizer = useVirtualizer({
    count: ids.ids.length,
    getScrollElement: () => scroller,
    estimateSize: () => 120,
    overscan: 4,
    gap: GAP,
    scrollMargin: listRef.current?.offsetTop ?? 0,
    initialRect: { width: 1000, height: 900 }, // the server renders the first cards too
  });
  const items = virtualizer.getVirtualItems();
  const lastShown = items.at(-1)?.index ?? 0;

  // Near the end of what is loaded: the next page.
  useEffect(() => {
    if (cursor && !loading && lastShown >= ids.ids.length - 5) void load(query.current.q, cursor);
  }, [lastShown, ids.ids.length, cursor, loading, load]);

  return (
    <div className="space-y-6">
      <section aria-labelledby="hosts-h">
        <h2 id="hosts-h" className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">
          Hosts
        </h2>
        <HostCards hosts={props.hosts} />
      </section>
      <section aria-labelledby="apps-h">
        <div className="mb-2 flex items-center justify-between gap-3">
          <h2 id="apps-h" className="text-xs font-semibold uppercase tracking-wide text-muted">
            Apps
          </h2>
          <label className="flex items-center gap-1.5 rounded-md border border-line bg-panel px-2 py-1 text-sm">
            <Search className="size-3.5 text-muted" aria-hidden />
            <input value={q} onChange={(e) => setQ(e.target.value)} placeholder="Search apps or hosts" aria-label="Search apps or hosts" className="w-56 bg-transparent outline-none" data-testid="app-search" />
          </label>
        </div>
        {error && <p className="mb-2 text-sm text-red-600">{error}</p>}
        {ids.ids.length === 0 ? (
          <div className="rounded-lg border border-dashed border-line bg-panel p-6 text-center text-muted">
            {q ? `No app or host matches “${q}”.` : "No apps yet. Use “New app” above, or POST a spec to /api/v1/apps."}
          </div>
        ) : (
          <div ref={listRef} data-testid="app-list" data-loaded={ids.ids.length} style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {items.map((item) => {
              const initial = ids.byId.get(ids.ids[item.index]);
              if (!initial) return null;
              return (
                <div key={initial.id} data-index={item.index} ref={virtualizer.measureElement} style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}>
                  <AppCard initial={initial} canOperate={props.canOperate} sparks={sparks[initial.id]} />
                </div>
              );
            })}
          </div>
        )}
        {loading && <p className="mt-2 text-center text-xs text-muted">Loading…</p>}
      </section>
    </div>
  );
}
