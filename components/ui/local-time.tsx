"use client";
// A time in the reader's own time zone and locale, without a hydration mismatch: the server and
// the hydrating render show UTC (they cannot know the browser's zone), the browser's local form
// follows right after. Every client component that prints a time uses this.
import { useSyncExternalStore } from "react";

const noSubscription = () => () => undefined;

/** False on the server and while hydrating, true after: for output only the browser can compute. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

type Format = "datetime" | "date" | "time";

function utc(d: Date, format: Format): string {
  const iso = d.toISOString();
  if (format === "date") return iso.slice(0, 10);
  if (format === "time") return `${iso.slice(11, 19)} UTC`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function LocalTime({ value, format = "datetime" }: { value: string | number | Date; format?: Format }) {
  const hydrated = useHydrated();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return <>—</>;
  const text = !hydrated ? utc(d, format) : format === "date" ? d.toLocaleDateString() : format === "time" ? d.toLocaleTimeString() : d.toLocaleString();
  return <time dateTime={d.toISOString()}>{text}</time>;
}
