// Small formatters shared by tables: durations, bytes, relative times, counts and times.
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${Math.floor(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

/** How long since `iso`; "…" until the browser's clock is known (`now` null: server and hydration, see apps/use-now). */
export function since(iso: string | null, now: number | null): string {
  if (!iso) return "—";
  if (now === null) return "…";
  return formatDuration(Math.max(0, (now - new Date(iso).getTime()) / 1000));
}

// Everything a server render and the browser's hydrating render must print the same: counts in one
// fixed locale, and times in UTC until the browser can show its own zone (ui/local-time.tsx).

/** 12,345: the same digits and separators on the server and in every browser. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export type TimeFormat = "datetime" | "date" | "time" | "hm";

/** A time as the server and the hydrating render show it: UTC, ISO style. */
export function utcTimeText(d: Date, format: TimeFormat): string {
  const iso = d.toISOString();
  if (format === "date") return iso.slice(0, 10);
  if (format === "time") return `${iso.slice(11, 19)} UTC`;
  if (format === "hm") return `${iso.slice(11, 16)} UTC`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** A time in the reader's zone and locale: only after hydration (`local`), else the UTC form. */
export function timeText(value: string | number | Date, format: TimeFormat, local: boolean): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return "—";
  if (!local) return utcTimeText(d, format);
  if (format === "date") return d.toLocaleDateString();
  if (format === "time") return d.toLocaleTimeString();
  if (format === "hm") return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return d.toLocaleString();
}
