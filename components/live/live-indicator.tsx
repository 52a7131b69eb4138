"use client";
// Shows whether the dashboard is receiving live updates.
import { clsx } from "clsx";
import { useLiveState } from "./use-live";

export function LiveIndicator() {
  const state = useLiveState();
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted" title="Live updates over WebSocket" data-live={state}>
      <span className={clsx("size-2 rounded-full", state === "live" ? "bg-emerald-500" : state === "connecting" ? "bg-amber-400" : "bg-red-500")} />
      {state === "live" ? "Live" : state === "connecting" ? "Connecting…" : "Reconnecting…"}
    </span>
  );
}
