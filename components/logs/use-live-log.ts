"use client";
// An app's live log in the browser: follows over /ws/ui, resumes after a reconnect from the last
// seq seen (no gap, no duplicate), pauses without losing lines, and caps what it keeps in memory.
import { useCallback, useEffect, useRef, useState } from "react";
import type { WireLogLine } from "@/lib/protocol/log-messages";
import { live } from "../live/live-client";
import { useLiveEvents, useLiveState } from "../live/use-live";

export const MAX_LINES = 1_000_000;
export type ShownLine = WireLogLine | { marker: string; seq?: number };

export function useLiveLog(appId: string) {
  const lines = useRef<ShownLine[]>([]);
  const held = useRef<ShownLine[]>([]);
  const lastSeq = useRef<number | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const [paused, setPausedState] = useState(false);
  const pausedRef = useRef(false);
  const state = useLiveState();

  useEffect(() => {
    if (state !== "live") return;
    live.send({ type: "logs.follow", appId, afterSeq: lastSeq.current });
    return () => {
      live.send({ type: "logs.unfollow", appId });
    };
  }, [state, appId]);

  useLiveEvents((event) => {
    if (event.type !== "logs.lines" || event.appId !== appId) return;
    const fresh: ShownLine[] = [];
    for (const line of event.lines) {
      if (line.seq !== undefined && lastSeq.current !== undefined && line.seq <= lastSeq.current) continue; // already shown
      if (line.seq !== undefined) lastSeq.current = line.seq;
      fresh.push(line);
    }
    if (event.dropped) fresh.push({ marker: `… ${event.dropped} lines not shown (the browser fell behind; they are in the history)` });
    if (!fresh.length) return;
    const target = pausedRef.current ? held.current : lines.current;
    target.push(...fresh);
    if (lines.current.length > MAX_LINES) lines.current.splice(0, lines.current.length - MAX_LINES);
    if (!pausedRef.current) setVersion((v) => v + 1);
    else setVersion((v) => v + 1); // updates the "new lines" count
  });

  const setPaused = useCallback((p: boolean) => {
    pausedRef.current = p;
    setPausedState(p);
    if (!p && held.current.length) {
      lines.current.push(...held.current);
      held.current = [];
    }
    setVersion((v) => v + 1);
  }, []);

  return { lines: lines.current, heldCount: held.current.length, version, paused, setPaused, connected: state === "live" };
}
