"use client";
// Keeps a short list of apps and hosts current from live events, starting from server-rendered data.
// An event about an app or host not in the list changes nothing (no render): with thousands of
// agents, events about others arrive every millisecond. A host not yet shown is added only while
// the list has fewer than `maxHosts` (a page that shows every host; a newly enrolled one appears).
import { useEffect, useRef, useState } from "react";
import type { AppView, HostView } from "@/lib/protocol/ui-messages";
import { onLiveOpen, readApp } from "./resync";
import { useLiveEvents } from "./use-live";

export function useLiveApps(initialApps: AppView[], initialHosts: HostView[], maxHosts = 0) {
  const [apps, setApps] = useState(initialApps);
  const [hosts, setHosts] = useState(initialHosts);
  // New server data (router.refresh() after a save) replaces what the live events built on: without
  // this a header kept the revision it was first rendered with until a reload.
  // Compared item by item: callers pass arrays built in their render (`[props.app]`).
  const [rendered, setRendered] = useState({ initialApps, initialHosts });
  if (!sameItems(rendered.initialApps, initialApps) || !sameItems(rendered.initialHosts, initialHosts)) {
    setRendered({ initialApps, initialHosts });
    setApps(initialApps);
    setHosts(initialHosts);
  }
  const shown = useRef(apps);
  shown.current = apps;
  useEffect(
    () =>
      onLiveOpen(() => {
        for (const { id } of shown.current) void readApp(id).then((fresh) => fresh && setApps((list) => list.map((a) => (a.id === id ? fresh : a))));
      }, { now: true }),
    [],
  );
  useLiveEvents((event) => {
    if (event.type === "app.status") {
      const s = event.status;
      setApps((list) =>
        list.some((a) => a.id === s.appId)
          ? list.map((a) => (a.id === s.appId ? { ...a, processes: s.processes, workers: s.workers ?? [], socket: s.socket, lastError: s.lastError, desired: s.desired, runningRevision: s.runningRevision, failedRevision: s.failedRevision, pm: s.pm ?? null } : a))
          : list,
      );
    } else if (event.type === "host.status") {
      const h = event.host;
      setHosts((list) => (list.some((x) => x.id === h.id) ? list.map((x) => (x.id === h.id ? h : x)) : list.length < maxHosts ? [...list, h] : list));
      setApps((list) => (list.some((a) => a.host.id === h.id) ? list.map((a) => (a.host.id === h.id ? { ...a, host: { ...a.host, online: h.online } } : a)) : list));
    }
  });
  return { apps, setApps, hosts };
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
