// Connected agents: one socket per host, request/reply over it, and the live state they report.
// Lives on globalThis so server.ts and the route handlers share it. With replicas (lib/replicas/),
// a host whose socket another replica holds is online too: calls and frames for it go there.
import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import type { AgentOp, AppStatus, ControlToAgent, HostFacts } from "../protocol";
import { err, type Result } from "../result";

type Pending = { hostId: string; resolve: (r: Result<unknown>) => void; timer: NodeJS.Timeout };
export type AgentConn = { ws: WebSocket; hostId: string; hostName: string; connectedAt: Date };

/** How this replica reaches agents connected to other replicas (set by lib/replicas/replication.ts). */
export type RemoteAgents = {
  call(owner: string, hostId: string, op: AgentOp, timeoutMs: number): Promise<Result<unknown>>;
  send(owner: string, hostId: string, msg: ControlToAgent): void;
  /** This replica took or lost a host's socket: the others are told. */
  linked(hostId: string, online: boolean): void;
};

export class AgentHub {
  private conns = new Map<string, AgentConn>();
  private pending = new Map<string, Pending>();
  readonly facts = new Map<string, HostFacts>();
  readonly apps = new Map<string, AppStatus>(); // by appId, as last reported
  private appHosts = new Map<string, string>(); // appId → hostId, for the apps reported here
  /** Hosts whose socket another replica holds: host id → replica id. */
  readonly owners = new Map<string, string>();
  remote: RemoteAgents | null = null;

  attach(conn: AgentConn): void {
    const previous = this.conns.get(conn.hostId);
    if (previous && previous.ws !== conn.ws) previous.ws.close(4000, "replaced by a newer connection");
    this.conns.set(conn.hostId, conn);
    this.owners.delete(conn.hostId);
    this.remote?.linked(conn.hostId, true);
  }

  /** Another replica says it holds (or no longer holds) a host's socket. */
  remoteLink(hostId: string, replicaId: string, online: boolean): void {
    if (online) {
      this.owners.set(hostId, replicaId);
      // The agent dialled another replica: a socket here is a stale one (it holds one at a time).
      const stale = this.conns.get(hostId);
      if (stale) {
        this.conns.delete(hostId);
        stale.ws.close(4000, "replaced by a newer connection");
      }
    } else if (this.owners.get(hostId) === replicaId) this.owners.delete(hostId);
  }

  detach(hostId: string, ws: WebSocket): boolean {
    if (this.conns.get(hostId)?.ws !== ws) return false;
    this.conns.delete(hostId);
    this.remote?.linked(hostId, false);
    // Nobody will answer what was sent on this connection: say so now, not when its timeout ends.
    for (const [id, p] of this.pending) {
      if (p.hostId === hostId) this.settle(id, err("HOST_OFFLINE", "The host's agent went away before it answered; the action may or may not have been carried out. Check the app's state and events."));
    }
    return true;
  }

  isOnline(hostId: string): boolean {
    return this.conns.has(hostId) || this.owners.has(hostId);
  }

  /** Whether this replica holds the host's socket itself. */
  isLocal(hostId: string): boolean {
    return this.conns.has(hostId);
  }

  send(hostId: string, msg: ControlToAgent): boolean {
    const conn = this.conns.get(hostId);
    const owner = this.owners.get(hostId);
    if (!conn && owner && this.remote) {
      this.remote.send(owner, hostId, msg);
      return true;
    }
    if (!conn || conn.ws.readyState !== conn.ws.OPEN) return false;
    conn.ws.send(JSON.stringify(msg));
    return true;
  }

  /** Sends one operation to a host's agent and waits for its reply. */
  call(hostId: string, op: AgentOp, timeoutMs = 120_000): Promise<Result<unknown>> {
    const owner = this.owners.get(hostId);
    if (!this.conns.has(hostId) && owner && this.remote) return this.remote.call(owner, hostId, op, timeoutMs);
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(err("TIMEOUT", `The agent did not answer within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      this.pending.set(id, { hostId, resolve, timer });
      if (!this.send(hostId, { type: "request", id, op })) {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(err("HOST_OFFLINE", "The host's agent is not connected; the action was not sent."));
      }
    });
  }

  /** The host a pending request was sent to: only that host may answer it. */
  pendingHost(id: string): string | null {
    return this.pending.get(id)?.hostId ?? null;
  }

  settle(id: string, result: Result<unknown>): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(result);
  }

  setApps(apps: AppStatus[], hostId?: string): void {
    for (const a of apps) {
      this.apps.set(a.appId, a);
      if (hostId) this.appHosts.set(a.appId, hostId);
    }
  }

  /** The last status of each app of a host whose socket this replica holds (for a replica that starts). */
  localApps(hostId: string): AppStatus[] {
    return [...this.apps.values()].filter((a) => this.appHosts.get(a.appId) === hostId);
  }

  hostName(hostId: string): string | null {
    return this.conns.get(hostId)?.hostName ?? null;
  }

  /** Hosts online on any replica. */
  connectedHosts(): string[] {
    return [...new Set([...this.conns.keys(), ...this.owners.keys()])];
  }

  /** Hosts whose socket this replica holds. */
  localHosts(): string[] {
    return [...this.conns.keys()];
  }
}

const KEY = Symbol.for("stoker.agent-hub");
export function agentHub(): AgentHub {
  const g = globalThis as typeof globalThis & { [KEY]?: AgentHub };
  g[KEY] ??= new AgentHub();
  return g[KEY];
}
