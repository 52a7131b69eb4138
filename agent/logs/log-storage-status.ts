// Whether this host's app logs can be stored right now, for the host's facts: the logs that cannot
// (disk full) since when, the lines they dropped, and the room left on the logs' filesystem.
// Fed by every LogSink from its log's storage events; read by host-facts.ts.
import type { HostFacts } from "../../lib/protocol";
import { diskRoom } from "./disk-space";
import type { StorageState } from "./log-store";

type Storage = NonNullable<HostFacts["storage"]>;

const full = new Map<string, { reason: string; since: string }>(); // by log dir
const listeners = new Set<() => void>();
let root: string | null = null;
let droppedLines = 0; // since the agent started, counted when each outage ends

/** The directory whose filesystem the logs live on (the agent's state dir). */
export function setLogRoot(dir: string): void {
  root = dir;
}

export function reportStorage(dir: string, state: StorageState): void {
  if (state.full) full.set(dir, { reason: state.reason, since: state.since });
  else {
    full.delete(dir);
    droppedLines += state.dropped;
  }
  for (const l of listeners) l();
}

export function forgetStorage(dir: string): void {
  if (full.delete(dir)) for (const l of listeners) l();
}

/** Called whenever a log starts or stops being able to store output. */
export function onStorageChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function storageFacts(): Storage {
  const room = root ? diskRoom(root) : null;
  const first = [...full.values()].sort((a, b) => a.since.localeCompare(b.since))[0];
  return {
    path: root ?? "",
    full: full.size > 0,
    reason: first?.reason ?? "",
    since: first?.since ?? null,
    appsAffected: full.size,
    droppedLines,
    freeBytes: room?.freeBytes ?? null,
    totalBytes: room?.totalBytes ?? null,
  };
}
