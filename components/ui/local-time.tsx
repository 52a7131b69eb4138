"use client";
// A time in the reader's own time zone and locale, without a hydration mismatch: the server and
// the hydrating render show UTC (they cannot know the browser's zone), the browser's local form
// follows right after. Every client component that prints a time uses this (or timeText with
// useHydrated, for an attribute such as a title).
import { useSyncExternalStore } from "react";
import { type TimeFormat, timeText } from "../format";

const noSubscription = () => () => undefined;

/** False on the server and while hydrating, true after: for output only the browser can compute. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

export function LocalTime({ value, format = "datetime" }: { value: string | number | Date; format?: TimeFormat }) {
  const hydrated = useHydrated();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return <>—</>;
  return <time dateTime={d.toISOString()}>{timeText(d, format, hydrated)}</time>;
}
