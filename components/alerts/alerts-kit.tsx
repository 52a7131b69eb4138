"use client";
// Shared pieces of the Alerts pages: the section tabs, a list loader, the create/delete calls with
// their toasts, form field styles, and the names of apps, hosts and channels the tables show instead of ids.
import { clsx } from "clsx";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { timeText } from "../format";

const TABS = [
  { href: "/alerts", label: "Alerts & history" },
  { href: "/alerts/rules", label: "Rules" },
  { href: "/alerts/channels", label: "Channels" },
  { href: "/alerts/silences", label: "Silences" },
  { href: "/alerts/uptime", label: "Uptime checks" },
];

export function AlertsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Alerts" className="mb-4 flex flex-wrap gap-1 border-b border-line">
      {TABS.map((t) => {
        const active = t.href === "/alerts" ? pathname === "/alerts" : pathname.startsWith(t.href);
        return (
          <Link key={t.href} href={t.href} aria-current={active ? "page" : undefined} className={clsx("whitespace-nowrap border-b-2 px-3 py-1.5 text-sm", active ? "border-accent font-medium text-ink" : "border-transparent text-muted hover:text-ink")}>
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}

/** GETs a list once and on demand; `loading` until its first answer; `error` is shown instead of an empty table when it fails. */
export function useList<T>(path: string): { items: T[]; loading: boolean; error: string; reload: () => Promise<void> } {
  const [items, setItems] = useState<T[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const reload = useCallback(async () => {
    const r = await api<T[]>(path);
    if (r.ok) {
      setItems(r.value);
      setError("");
    } else setError(r.error.message);
    setLoading(false);
  }, [path]);
  useEffect(() => void reload(), [reload]);
  return { items, loading, error, reload };
}

/**
 * A create form's POST: `busy` while it runs, the refusal's field errors (shown beside the form) and a
 * toast either way; on success the form is cleared, the list reloaded and the created item returned.
 */
export function useCreate<T>(path: string, reload: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<{ path: string; message: string }[]>([]);
  const create = async (form: HTMLFormElement, body: unknown, refused: string, done: (created: T) => string): Promise<T | null> => {
    setBusy(true);
    const r = await api<T>(path, { method: "POST", body });
    setBusy(false);
    if (!r.ok) {
      setFields(r.error.fields ?? []);
      toast.error(refused, { description: r.error.message });
      return null;
    }
    setFields([]);
    form.reset();
    toast.success(done(r.value));
    void reload();
    return r.value;
  };
  return { busy, fields, create };
}

/** DELETEs one item (after the page's confirm), a toast either way, then reloads the list. */
export async function deleteItem(path: string, done: string, refused: string, reload: () => Promise<void>): Promise<void> {
  const r = await api(path, { method: "DELETE" });
  if (r.ok) toast.success(done);
  else toast.error(refused, { description: r.error.message });
  void reload();
}

export type Named = { id: string; name: string };
/** The names the forms offer; `channelsState` tells "still loading" and "failed" apart from "there are none". */
export function useNames(): { apps: (Named & { hostId: string })[]; hosts: Named[]; channels: (Named & { kind: string })[]; channelsState: ListState } {
  const apps = useList<Named & { hostId: string }>("/apps").items;
  const hosts = useList<Named>("/hosts").items;
  const channels = useList<Named & { kind: string }>("/notifications/channels");
  return { apps, hosts, channels: channels.items, channelsState: channels.loading ? "loading" : channels.error ? "failed" : "ready" };
}
export type ListState = "loading" | "failed" | "ready";

export const inputClass = "h-8 rounded-md border border-line bg-surface px-2 text-sm text-ink outline-none focus:border-accent";
export const labelClass = "text-xs text-muted";
export const cell = "px-3 py-2 align-top";

/** A time in the reader's zone. Lists here are fetched after hydration (useList), so local is safe. */
export function when(iso: string | null): string {
  return iso ? timeText(iso, "datetime", true) : "—";
}

export function LoadError({ error }: { error: string }) {
  return error ? (
    <p role="alert" className="mb-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-300">
      {error}
    </p>
  ) : null;
}

export function StatusPill({ status }: { status: string }) {
  const tone: Record<string, string> = {
    sent: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
    resolved: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
    failed: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
    firing: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
    suppressed: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
    clearing: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
    active: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
    up: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
    down: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  };
  return <span className={clsx("rounded px-1.5 py-0.5 text-xs font-medium", tone[status] ?? "bg-surface text-muted")}>{status}</span>;
}
