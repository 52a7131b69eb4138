"use client";
// The log view: live tail or history search, virtualized (smooth at a million lines), with
// stream/process/text/regex filters held in the URL, pause, follow, wrap, copy and a shareable line link.
import { useVirtualizer } from "@tanstack/react-virtual";
import { clsx } from "clsx";
import { ArrowDownToLine, Copy, Download, Pause, Play, Search, WrapText } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { toast } from "sonner";
import type { ProcessInfo } from "@/lib/protocol/process-state";
import { api, BASE_PATH } from "../api-client";
import { formatCount } from "../format";
import { Button } from "../ui/button";
import { Ansi } from "./ansi";
import { type ShownLine, useLiveLog } from "./use-live-log";

type Filters = { stream: string; pid: string; q: string; regex: boolean };
type ApiLine = { ts: string; pid: number; stream: string; text: string };
const WIRE_STREAM: Record<string, string> = { stdout: "out", stderr: "err", webserver: "web" };

function matcher(f: Filters): ((l: ShownLine) => boolean) | string {
  let re: RegExp | null = null;
  if (f.q && f.regex) {
    try {
      re = new RegExp(f.q);
    } catch (e) {
      return `Invalid regular expression: ${(e as Error).message}`;
    }
  }
  return (l) => {
    if ("marker" in l) return true;
    if (f.stream && l.stream !== WIRE_STREAM[f.stream]) return false;
    if (f.pid && String(l.pid) !== f.pid) return false;
    if (f.q) return re ? re.test(l.text) : l.text.toLowerCase().includes(f.q.toLowerCase());
    return true;
  };
}

export function LogView({ appId, processes }: { appId: string; processes: ProcessInfo[] }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters: Filters = { stream: params.get("stream") ?? "", pid: params.get("pid") ?? "", q: params.get("q") ?? "", regex: params.get("regex") === "1" };
  const highlight = params.get("line");
  const { lines, heldCount, version, paused, setPaused, connected } = useLiveLog(appId);
  const [wrap, setWrap] = useState(false);
  const [follow, setFollow] = useState(true);
  const [history, setHistory] = useState<{ lines: ApiLine[]; next: string | null } | null>(null);
  const [searching, setSearching] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);

  const setParam = (patch: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v ? next.set(k, v) : next.delete(k);
    router.replace(`${pathname}?${next}`, { scroll: false });
  };

  const match = matcher(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the signal that the line buffer changed
  const shown = useMemo(() => (typeof match === "string" ? [] : lines.filter(match)), [version, filters.stream, filters.pid, filters.q, filters.regex]);
  const rows: ShownLine[] = history ? history.lines.map((l) => ({ ...l, stream: (WIRE_STREAM[l.stream] ?? "out") as "out" })) : shown;

  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => 20, overscan: 30 });
  useEffect(() => {
    if (follow && !history && rows.length) virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
  }, [rows.length, follow, history, virtualizer]);

  const searchHistory = async (cursor?: string) => {
    setSearching(true);
    const q = new URLSearchParams({ limit: "500" });
    if (filters.stream) q.set("stream", filters.stream);
    if (filters.pid) q.set("process", filters.pid);
    if (filters.q) q.set(filters.regex ? "regex" : "q", filters.q);
    if (cursor) q.set("cursor", cursor);
    const r = await api<{ lines: ApiLine[]; nextCursor: string | null }>(`/apps/${appId}/logs?${q}`);
    setSearching(false);
    if (!r.ok) return toast.error("Search failed", { description: r.error.message });
    setHistory((h) => ({ lines: cursor && h ? [...r.value.lines, ...h.lines] : r.value.lines, next: r.value.nextCursor }));
  };

  const copy = (text: string) => void navigator.clipboard?.writeText(text).then(() => toast.success("Line copied"));
  const input = "h-8 rounded-md border border-line bg-surface px-2 text-sm outline-none focus:border-accent";
  return (
    <div className="flex h-[70vh] flex-col rounded-lg border border-line bg-panel" data-testid="log-view">
      <div className="flex flex-wrap items-center gap-2 border-b border-line p-2">
        <select aria-label="Stream" className={input} value={filters.stream} onChange={(e) => setParam({ stream: e.target.value })}>
          <option value="">All streams</option>
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
          <option value="webserver">web server</option>
        </select>
        <select aria-label="Process" className={input} value={filters.pid} onChange={(e) => setParam({ pid: e.target.value })}>
          <option value="">All processes</option>
          {processes.filter((p) => p.pid).map((p) => (
            <option key={p.pid} value={p.pid}>
              pid {p.pid}
            </option>
          ))}
        </select>
        <form
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            const v = String(new FormData(e.currentTarget).get("q") ?? "");
            setParam({ q: v });
          }}
        >
          <input name="q" aria-label="Filter text" placeholder={filters.regex ? "regex…" : "filter…"} defaultValue={filters.q} key={filters.q} className={clsx(input, "w-56 font-mono")} />
          <label className="flex items-center gap-1 text-xs text-muted">
            <input type="checkbox" checked={filters.regex} onChange={(e) => setParam({ regex: e.target.checked ? "1" : "" })} /> regex
          </label>
        </form>
        <div className="ml-auto flex items-center gap-1.5">
          {history ? (
            <Button size="sm" onClick={() => setHistory(null)}>
              Back to live
            </Button>
          ) : (
            <Button size="sm" onClick={() => searchHistory()} busy={searching} title="Search the stored history on the agent">
              <Search className="size-3.5" aria-hidden /> Search history
            </Button>
          )}
          {!history && (
            <Button size="sm" onClick={() => setPaused(!paused)} aria-pressed={paused}>
              {paused ? <Play className="size-3.5" aria-hidden /> : <Pause className="size-3.5" aria-hidden />}
              {paused ? `Resume${heldCount ? ` (${heldCount} new)` : ""}` : "Pause"}
            </Button>
          )}
          <Button size="sm" variant={wrap ? "primary" : "plain"} onClick={() => setWrap(!wrap)} aria-pressed={wrap} title="Wrap long lines">
            <WrapText className="size-3.5" aria-hidden />
          </Button>
          <a className="inline-flex h-7 items-center gap-1 rounded-md border border-line px-2 text-xs hover:bg-surface" href={`${BASE_PATH}/api/v1/apps/${appId}/logs/download`}>
            <Download className="size-3.5" aria-hidden /> Download
          </a>
        </div>
      </div>
      {typeof match === "string" && <p className="px-3 py-1 text-xs text-red-600">{match}</p>}
      <div
        ref={scroller}
        className="relative flex-1 overflow-auto font-mono text-xs"
        onScroll={(e) => {
          const el = e.currentTarget;
          setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 40);
        }}
      >
        {rows.length === 0 ? (
          <p className="p-4 text-muted">{history ? "No stored line matches these filters." : connected ? "Waiting for output… lines appear here as the app writes them." : "Connecting…"}</p>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((item) => {
              const line = rows[item.index];
              const key = "seq" in line && line.seq !== undefined ? String(line.seq) : `i${item.index}`;
              return (
                <div
                  key={key}
                  ref={virtualizer.measureElement}
                  data-index={item.index}
                  data-testid="log-line"
                  className={clsx(
                    "group absolute left-0 flex w-full gap-2 px-2 leading-5 hover:bg-surface",
                    highlight && highlight === key && "bg-amber-100 dark:bg-amber-950",
                    !wrap && "whitespace-pre",
                  )}
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  {"marker" in line ? (
                    <span className="italic text-amber-600">{line.marker}</span>
                  ) : (
                    <>
                      <button type="button" className="shrink-0 text-muted hover:underline" title="Link to this line" onClick={() => setParam({ line: key })}>
                        {line.ts.slice(11, 23)}
                      </button>
                      <span className="w-12 shrink-0 text-muted">{line.pid || "stoker"}</span>
                      <span className={clsx("w-7 shrink-0", line.stream === "err" ? "text-red-600 dark:text-red-400" : line.stream === "web" ? "text-violet-600" : "text-muted")}>{line.stream}</span>
                      <span className={clsx("flex-1", wrap ? "whitespace-pre-wrap break-all" : "")}>
                        <Ansi text={line.text} />
                      </span>
                      <button type="button" aria-label="Copy line" className="invisible shrink-0 text-muted group-hover:visible" onClick={() => copy(line.text)}>
                        <Copy className="size-3.5" />
                      </button>
                    </>
                  )}
                </div>
              );
            })}
          </div>
        )}
      </div>
      <div className="flex items-center justify-between border-t border-line px-3 py-1 text-xs text-muted">
        <span>
          {formatCount(rows.length)} lines {history ? "from history" : paused ? "(paused)" : "(live)"}
        </span>
        {history?.next && (
          <Button size="sm" onClick={() => searchHistory(history.next ?? undefined)} busy={searching}>
            Load older
          </Button>
        )}
        {!history && !follow && (
          <Button size="sm" onClick={() => setFollow(true)}>
            <ArrowDownToLine className="size-3.5" aria-hidden /> Jump to newest
          </Button>
        )}
      </div>
    </div>
  );
}
