"use client";
// The apps the dashboard has loaded, each kept current from /ws/ui on its own: a status event
// replaces one app and wakes only the rows showing that app, never the whole list (at thousands of
// apps, a status event arrives every millisecond). Rows read it with useLiveApp(id).
import { useSyncExternalStore } from "react";
import type { AppView, UiEvent } from "@/lib/protocol/ui-messages";
import { live } from "./live-client";
import { onLiveOpen, readApp } from "./resync";

class AppStore {
  private apps = new Map<string, AppView>();
  private byHost = new Map<string, Set<string>>();
  private listeners = new Map<string, Set<() => void>>();
  private unsubscribe: (() => void) | null = null;
  /** Loaded while the socket was closed and not on screen since: re-read when a row shows it. */
  private stale = new Set<string>();

  /** Adds or replaces apps read from the API (a page, a search). */
  put(list: AppView[]): void {
    this.listen();
    for (const app of list) {
      this.apps.set(app.id, app);
      const ids = this.byHost.get(app.host.id) ?? new Set<string>();
      ids.add(app.id);
      this.byHost.set(app.host.id, ids);
      this.notify(app.id);
    }
  }

  get(id: string): AppView | undefined {
    return this.apps.get(id);
  }

  subscribe(id: string, onChange: () => void): () => void {
    const set = this.listeners.get(id) ?? new Set();
    set.add(onChange);
    this.listeners.set(id, set);
    if (this.stale.delete(id)) this.refresh(id);
    return () => {
      set.delete(onChange);
      if (!set.size) this.listeners.delete(id);
    };
  }

  private notify(id: string): void {
    for (const l of this.listeners.get(id) ?? []) l();
  }

  private listen(): void {
    if (this.unsubscribe) return;
    const offEvents = live.subscribe((e) => this.apply(e));
    // Re-read the apps on screen now, the others when a row shows them (thousands may be loaded).
    const offOpen = onLiveOpen(() => {
      for (const id of this.apps.keys()) {
        if (this.listeners.has(id)) this.refresh(id);
        else this.stale.add(id);
      }
    });
    this.unsubscribe = () => {
      offEvents();
      offOpen();
    };
  }

  private refresh(id: string): void {
    void readApp(id).then((fresh) => {
      if (!fresh) return;
      this.apps.set(id, fresh);
      this.notify(id);
    });
  }

  /** One live event: public for the tests, fed by the live client otherwise. */
  apply(event: UiEvent): void {
    if (event.type === "app.status") {
      const s = event.status;
      const a = this.apps.get(s.appId);
      if (!a) return; // not loaded: its page will bring its state
      this.apps.set(s.appId, { ...a, processes: s.processes, workers: s.workers ?? [], socket: s.socket, lastError: s.lastError, desired: s.desired, runningRevision: s.runningRevision, failedRevision: s.failedRevision, pm: s.pm ?? null });
      this.notify(s.appId);
    } else if (event.type === "host.status") {
      const h = event.host;
      for (const id of this.byHost.get(h.id) ?? []) {
        const a = this.apps.get(id);
        if (!a || a.host.online === h.online) continue;
        this.apps.set(id, { ...a, host: { ...a.host, online: h.online } });
        this.notify(id);
      }
    }
  }
}

export const appStore = new AppStore();

/** One app as last loaded or reported; re-renders only when that app changes. */
export function useLiveApp(id: string): AppView | undefined {
  return useSyncExternalStore(
    (onChange) => appStore.subscribe(id, onChange),
    () => appStore.get(id),
    () => appStore.get(id),
  );
}
