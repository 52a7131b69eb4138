// The one way out to the other replicas for what they must also see: browser events (status, log
// lines, terminal output) and agents' metric samples (alert rules run on the leader, and every
// replica serves every app's charts). Set by lib/replicas/replication.ts on PostgreSQL, absent with
// one process on SQLite.
import type { AppSample, UiEvent } from "../protocol";

export type ReplicaRelay = { ui(event: UiEvent): void; metrics(hostId: string, samples: AppSample[]): void };

const KEY = Symbol.for("stoker.replica-relay");
const ID = Symbol.for("stoker.replica-id");
type WithRelay = typeof globalThis & { [KEY]?: ReplicaRelay; [ID]?: string };

export function setReplicaRelay(relay: ReplicaRelay | undefined, replicaId?: string): void {
  (globalThis as WithRelay)[KEY] = relay;
  (globalThis as WithRelay)[ID] = replicaId;
}

/** This replica's id among the others; none with one process on SQLite. */
export function thisReplica(): string | undefined {
  return (globalThis as WithRelay)[ID];
}

/** Hands an event this replica published to its own browsers to every other replica. */
export function relayToReplicas(event: UiEvent): void {
  (globalThis as WithRelay)[KEY]?.ui(event);
}

/** Hands samples one of this replica's agents pushed to every other replica. */
export function relayMetricsToReplicas(hostId: string, samples: AppSample[]): void {
  (globalThis as WithRelay)[KEY]?.metrics(hostId, samples);
}
