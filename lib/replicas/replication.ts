// N stateless control-plane replicas on one PostgreSQL database (DESIGN 6). Each replica holds the
// sockets of the agents that dialled it; the others learn who holds which (presence) and route a
// call for that agent there, and every replica's browsers get every replica's events (status, log
// lines, terminal output, deployment progress), all through lib/replicas/notify-bus.ts. What a
// browser sees of an agent on another replica (its apps' status, its facts) is mirrored from
// those events, as the holding replica keeps it from the agent's own messages.
import "server-only";
import { randomUUID } from "node:crypto";
import { agentHub } from "../agents/agent-hub";
import { agentLinkSeen } from "../alerts/alert-events";
import { databaseUrl } from "../config";
import { dbKind } from "../db";
import { finishDebugSession } from "../debug/debug-sessions";
import { ptyRelay } from "../debug/pty-relay";
import { liveHostView } from "../hosts/host-view";
import { logFollows } from "../live/log-follows";
import { metricsStore } from "../metrics/metrics-store";
import { uiHub } from "../live/ui-hub";
import { type AgentOp, type ErrorCode, HostFactsSchema, type ReplicaMessage, type UiEvent } from "../protocol";
import { err, type Result } from "../result";
import { NotifyBus } from "./notify-bus";
import { setReplicaRelay, uiEventText, uiMessageText } from "./relay";

type Pending = { owner: string; hostId: string; resolve: (r: Result<unknown>) => void; timer: NodeJS.Timeout };

const CODES: ErrorCode[] = ["BAD_REQUEST", "NOT_FOUND", "CONFLICT", "HOST_OFFLINE", "TIMEOUT", "FAILED", "RATE_LIMITED"];

class Replication {
  readonly bus: NotifyBus;
  private pending = new Map<string, Pending>();

  constructor(url: string) {
    this.bus = new NotifyBus(url, (m, text) => this.receive(m, text), () => this.ready());
  }

  get id(): string {
    return this.bus.replicaId;
  }

  async start(): Promise<void> {
    const hub = agentHub();
    const from = this.id;
    hub.remote = {
      call: (owner, hostId, op, timeoutMs) => this.call(owner, hostId, op, timeoutMs),
      send: (owner, hostId, msg) => this.bus.post({ kind: "send", from, to: owner, hostId, msg }),
      linked: (hostId, online) => {
        // The agent dialled this replica: what was routed to its old one (dead, or about to drop
        // it) will not be answered from there.
        if (online) this.dropRoutedTo(hostId, "The host's agent moved to another control-plane replica before it answered; the action may or may not have been carried out. Check the app's state and events.");
        this.bus.post({ kind: "presence", from, to: "*", hostId, online });
      },
    };
    // An event already serialised for this replica's browsers goes out as that text, not serialised again.
    setReplicaRelay(
      {
        ui: (event, text) => (text === undefined ? this.bus.post({ kind: "ui", from, to: "*", event }) : this.bus.postText(uiMessageText(from, "*", text))),
        metrics: (hostId, samples) => this.bus.post({ kind: "metrics", from, to: "*", hostId, samples }),
      },
      from,
    );
    await this.bus.start();
  }

  /** (Re)connected: ask who holds which agent, and say which this replica holds. */
  private ready(): void {
    this.bus.post({ kind: "hello", from: this.id, to: "*" });
    for (const hostId of agentHub().localHosts()) this.bus.post({ kind: "presence", from: this.id, to: "*", hostId, online: true });
  }

  private call(owner: string, hostId: string, op: AgentOp, timeoutMs: number): Promise<Result<unknown>> {
    const id = randomUUID();
    return new Promise((resolve) => {
      // The other replica answers TIMEOUT itself at timeoutMs; this is for a replica that died meanwhile.
      const timer = setTimeout(() => this.settle(id, err("TIMEOUT", `The agent did not answer within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs + 5000);
      this.pending.set(id, { owner, hostId, resolve, timer });
      this.bus.post({ kind: "call", from: this.id, to: owner, id, hostId, op, timeoutMs });
    });
  }

  private dropRoutedTo(hostId: string, message: string, owner?: string): void {
    for (const [id, p] of this.pending) if (p.hostId === hostId && (!owner || p.owner === owner)) this.settle(id, err("HOST_OFFLINE", message));
  }

  private settle(id: string, result: Result<unknown>): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(result);
  }

  private receive(m: ReplicaMessage, text: string): void {
    const hub = agentHub();
    switch (m.kind) {
      case "ui":
        this.deliver(m.event, uiEventText(text));
        return;
      case "hello":
        // A replica that starts learns which agents are here, and what they last said (it would
        // otherwise show no status until each app's next change).
        for (const hostId of hub.localHosts()) {
          this.bus.post({ kind: "presence", from: this.id, to: m.from, hostId, online: true });
          this.bus.post({ kind: "ui", from: this.id, to: m.from, event: { type: "host.status", host: liveHostView({ id: hostId, name: hub.hostName(hostId) ?? "" }) } });
          for (const status of hub.localApps(hostId)) this.bus.post({ kind: "ui", from: this.id, to: m.from, event: { type: "app.status", hostId, status } });
        }
        return;
      case "presence":
        hub.remoteLink(m.hostId, m.from, m.online);
        agentLinkSeen(m.hostId, hub.isOnline(m.hostId)); // the leader's clock times an absence from any replica
        if (!m.online) {
          // Nobody will answer what was routed to that socket: say so now (as a local detach does).
          this.dropRoutedTo(m.hostId, "The host's agent went away before it answered; the action may or may not have been carried out. Check the app's state and events.", m.from);
        } else logFollows().resume(m.hostId); // its live tails are off after a reconnect: on again for followers here
        return;
      case "call": {
        // Only this replica's own socket: a host that moved on is offline from here, never routed twice.
        const done = hub.isLocal(m.hostId) ? hub.call(m.hostId, m.op, m.timeoutMs) : Promise.resolve(err("HOST_OFFLINE", "The host's agent is not connected; the action was not sent."));
        void done.then((result) => this.bus.post({ kind: "reply", from: this.id, to: m.from, id: m.id, result }));
        return;
      }
      case "reply": {
        const r = m.result;
        this.settle(m.id, r.ok ? { ok: true, value: r.value } : { ok: false, code: CODES.find((c) => c === r.code) ?? "FAILED", message: r.message, fields: r.fields, detail: r.detail });
        return;
      }
      case "send":
        if (hub.isLocal(m.hostId)) hub.send(m.hostId, m.msg);
        return;
      case "metrics":
        // Admitted by the holding replica (its agent speaks only for its own apps); not if the agent is here now.
        if (!hub.isLocal(m.hostId)) metricsStore().add(m.hostId, m.samples);
        return;
    }
  }

  /** Another replica's event, to this replica's browsers; what it says about agents is mirrored. */
  private deliver(event: UiEvent, text: string | undefined): void {
    const hub = agentHub();
    switch (event.type) {
      case "logs.lines":
        logFollows().publishLocal(event.appId, event.lines, event.dropped);
        return;
      case "pty.output":
        ptyRelay().output(event.sessionId, event.data, true);
        return;
      case "pty.exit": {
        // The session was opened here: its browser sees the end, and it is recorded here.
        const reason = ptyRelay().closeReason(event.sessionId) ?? event.reason ?? "exit";
        if (ptyRelay().exit(event.sessionId, event.code, event.reason, true)) void finishDebugSession(event.sessionId, reason).catch((e: unknown) => console.error("[stoker] recording a debug session's end failed:", e));
        return;
      }
      case "app.status":
        if (!hub.isLocal(event.hostId)) hub.apps.set(event.status.appId, event.status);
        break;
      case "host.status": {
        const facts = HostFactsSchema.safeParse(event.host.facts);
        if (!hub.isLocal(event.host.id) && facts.success) hub.facts.set(event.host.id, facts.data);
        break;
      }
    }
    uiHub().publishLocal(event, text);
  }

  async stop(): Promise<void> {
    setReplicaRelay(undefined);
    agentHub().remote = null;
    await this.bus.stop();
  }
}

const KEY = Symbol.for("stoker.replication");
type WithReplication = typeof globalThis & { [KEY]?: Replication };

/** On PostgreSQL, joins the other replicas on the database; on SQLite (one process) does nothing. */
export async function joinReplicas(): Promise<void> {
  if (dbKind() === "postgresql") await startReplication(databaseUrl());
}

export async function startReplication(url: string): Promise<Replication> {
  const g = globalThis as WithReplication;
  if (!g[KEY]) {
    g[KEY] = new Replication(url);
    await g[KEY].start();
  }
  return g[KEY];
}

export function replication(): Replication | undefined {
  return (globalThis as WithReplication)[KEY];
}
