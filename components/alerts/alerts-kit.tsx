"use client";
// Shared pieces of the Alerts pages: the section tabs, a list loader, form field styles, and the
// names of apps, hosts and channels that the tables show instead of ids.
import { clsx } from "clsx";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { api } from "../api-client";

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
    <nav aria-label="Alerts" className="mb-4 flex gap-1 overflow-x-auto border-b border-line">
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

/** GETs a list once and on demand; `error` is shown instead of an empty table when it fails. */
export function useList<T>(path: string): { items: T[]; error: string; reload: () => Promise<void> } {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState("");
  const reload = useCallback(async () => {
    const r = await api<T[]>(path);
    if (r.ok) {
      setItems(r.value);
      setError("");
    } else setError(r.error.message);
  }, [path]);
  useEffect(() => void reload(), [reload]);
  return { items, error, reload };
}

export type Named = { id: string; name: string };
export function useNames(): { apps: (Named & { hostId: string })[]; hosts: Named[]; channels: (Named & { kind: string })[] } {
  const apps = useList<Named & { hostId: string }>("/apps").items;
  const hosts = useList<Named>("/hosts").items;
  const channels = useList<Named & { kind: string }>("/notifications/channels").items;
  return { apps, hosts, channels };
}

export const inputClass = "h-8 rounded-md border border-line bg-surface px-2 text-sm text-ink outline-none focus:border-accent";
export const labelClass = "text-xs text-muted";
export const cell = "px-3 py-2 align-top";

export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function Empty({ cols, children }: { cols: number; children: React.ReactNode }) {
  return (
    <tr>
      <td colSpan={cols} className="px-3 py-4 text-center text-muted">
        {children}
      </td>
    </tr>
  );
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
  };
  return <span className={clsx("rounded px-1.5 py-0.5 text-xs font-medium", tone[status] ?? "bg-surface text-muted")}>{status}</span>;
}
