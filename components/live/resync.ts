"use client";
// Events sent while the socket was not open (between the server render and the first connect, or
// during a reconnect) are lost: each time the live socket opens, views re-read what they show.
import { api } from "../api-client";
import type { AppView } from "@/lib/protocol/ui-messages";
import { live } from "./live-client";

/**
 * Calls `onOpen` each time the live socket (re)opens, and at once if it is open already (a view
 * mounted after a client-side navigation missed the events since its data was read); returns the
 * unsubscribe.
 */
export function onLiveOpen(onOpen: () => void, opts: { now?: boolean } = {}): () => void {
  let was = live.state;
  if (opts.now && was === "live") queueMicrotask(onOpen);
  return live.onState(() => {
    if (live.state === "live" && was !== "live") onOpen();
    was = live.state;
  });
}

/** The app as the API has it now, or null (deleted, or the control plane unreachable). */
export async function readApp(id: string): Promise<AppView | null> {
  const r = await api<AppView>(`/apps/${encodeURIComponent(id)}`);
  return r.ok ? r.value : null;
}
