// The one way out to the other replicas for what they must also see: browser events (status, log
// lines, terminal output) and agents' metric samples (alert rules run on the leader, and every
// replica serves every app's charts). Set by lib/replicas/replication.ts on PostgreSQL, absent with
// one process on SQLite.
import type { AppSample, UiEvent } from "../protocol";

/** ui's `text`: the event already serialised (JSON.stringify(event)), so it is not serialised again. */
export type ReplicaRelay = { ui(event: UiEvent, text?: string): void; metrics(hostId: string, samples: AppSample[]): void };

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
export function relayToReplicas(event: UiEvent, text?: string): void {
  (globalThis as WithRelay)[KEY]?.ui(event, text);
}

/** Hands samples one of this replica's agents pushed to every other replica. */
export function relayMetricsToReplicas(hostId: string, samples: AppSample[]): void {
  (globalThis as WithRelay)[KEY]?.metrics(hostId, samples);
}

// A "ui" message is built as this text (the key order JSON.stringify gives { kind, from, to, event }),
// so a receiver can hand the event's own text, validated with the whole message, to its browsers
// instead of serialising the parsed event again.
const UI_PREFIX = /^\{"kind":"ui","from":"[^"\\]*","to":"[^"\\]*","event":/;

export function uiMessageText(from: string, to: string, eventText: string): string {
  return `{"kind":"ui","from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"event":${eventText}}`;
}

/** The event's text inside a "ui" message of that shape; undefined for any other layout (then it is serialised again). */
export function uiEventText(text: string): string | undefined {
  const m = UI_PREFIX.exec(text);
  return m && text.endsWith("}") ? text.slice(m[0].length, -1) : undefined;
}
