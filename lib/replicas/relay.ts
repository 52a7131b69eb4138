// The one way out to the other replicas for what browsers must see (status, log lines, terminal
// output): set by lib/replicas/replication.ts on PostgreSQL, absent with one process on SQLite.
import type { UiEvent } from "../protocol";

const KEY = Symbol.for("stoker.replica-relay");
const ID = Symbol.for("stoker.replica-id");
type WithRelay = typeof globalThis & { [KEY]?: (event: UiEvent) => void; [ID]?: string };

export function setReplicaRelay(relay: ((event: UiEvent) => void) | undefined, replicaId?: string): void {
  (globalThis as WithRelay)[KEY] = relay;
  (globalThis as WithRelay)[ID] = replicaId;
}

/** This replica's id among the others; none with one process on SQLite. */
export function thisReplica(): string | undefined {
  return (globalThis as WithRelay)[ID];
}

/** Hands an event this replica published to its own browsers to every other replica. */
export function relayToReplicas(event: UiEvent): void {
  (globalThis as WithRelay)[KEY]?.(event);
}
