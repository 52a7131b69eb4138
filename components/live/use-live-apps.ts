"use client";
// Keeps a list of apps and hosts current from live events, starting from server-rendered data.
import { useState } from "react";
import type { AppView, HostView } from "@/lib/protocol/ui-messages";
import { useLiveEvents } from "./use-live";

export function useLiveApps(initialApps: AppView[], initialHosts: HostView[]) {
  const [apps, setApps] = useState(initialApps);
  const [hosts, setHosts] = useState(initialHosts);
  useLiveEvents((event) => {
    if (event.type === "app.status") {
      const s = event.status;
      setApps((list) => list.map((a) => (a.id === s.appId ? { ...a, processes: s.processes, socket: s.socket, lastError: s.lastError, desired: s.desired, runningRevision: s.runningRevision, failedRevision: s.failedRevision } : a)));
    } else if (event.type === "host.status") {
      const h = event.host;
      setHosts((list) => (list.some((x) => x.id === h.id) ? list.map((x) => (x.id === h.id ? h : x)) : [...list, h]));
      setApps((list) => list.map((a) => (a.host.id === h.id ? { ...a, host: { ...a.host, online: h.online } } : a)));
    }
  });
  return { apps, setApps, hosts };
}
