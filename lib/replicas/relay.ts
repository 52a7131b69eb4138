// The one way out to the other replicas for what browsers must see (status, log lines, terminal
// output): set by lib/replicas/replication.ts on PostgreSQL, absent with one process on SQLite.
import type { UiEvent } from "../protocol";

const KEY = Symbol.for("stoker.replica-relay");
type WithRelay = typeof globalThis & { [KEY]?: (event: UiEvent) => void };

export function setReplicaRelay(relay: ((event: UiEvent) => void) | undefined): void {
  (globalThis as WithRelay)[KEY] = relay;
}

/** Hands an event this replica published to its own browsers to every other replica. */
export function relayToReplicas(event: UiEvent): void {
  (globalThis as WithRelay)[KEY]?.(event);
}
