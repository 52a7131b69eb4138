// Relays debug terminals between browser sockets and agents. A session belongs to the user who
// opened it: only their sockets may attach, type, resize or close it. Output that arrives before
// a browser attaches (or during a reconnect) is buffered up to a bound. A session no browser holds
// (tab closed, never attached) is hung up after a grace period and recorded as ended
// ("disconnected"); the agent also ends shells idle for 15 minutes (agent/debug/debug-ops.ts).
import "server-only";
import type { WebSocket } from "ws";
import { agentHub } from "../agents/agent-hub";
import type { UiEvent } from "../protocol";
import { relayToReplicas } from "../replicas/relay";

type Session = { hostId: string; userId: string; sockets: Set<WebSocket>; pending: string; ended: boolean; detachTimer?: NodeJS.Timeout; closeReason?: string };
const MAX_PENDING = 256 * 1024;

class PtyRelay {
  private sessions = new Map<string, Session>();
  /** How long a session may have no browser before it is hung up: a reload re-attaches well within it. */
  detachGraceMs = 30_000;
  /** How long to wait for the agent's pty.exit after a hang-up before recording the end without it. */
  exitWaitMs = 15_000;

  register(sessionId: string, hostId: string, userId: string): void {
    const s: Session = { hostId, userId, sockets: new Set(), pending: "", ended: false };
    this.sessions.set(sessionId, s);
    this.armDetach(sessionId, s); // opened but never attached counts as a closed tab too
  }

  /** Why the control plane ended a session itself (recorded instead of the agent's "closed"). */
  closeReason(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.closeReason;
  }

  private armDetach(sessionId: string, s: Session): void {
    clearTimeout(s.detachTimer);
    s.detachTimer = setTimeout(() => this.hangUp(sessionId, "disconnected"), this.detachGraceMs);
    s.detachTimer.unref?.();
  }

  /** Asks the agent to end the shell; records the end even if the agent never answers. */
  hangUp(sessionId: string, reason: string): void {
    const s = this.sessions.get(sessionId);
    if (!s || s.ended) return;
    s.closeReason = reason;
    agentHub().send(s.hostId, { type: "pty.close", sessionId });
    const fallback = setTimeout(() => {
      if (!this.exit(sessionId, null, "closed")) return; // the agent's pty.exit came first
      void import("./debug-sessions").then((m) => m.finishDebugSession(sessionId, reason));
    }, this.exitWaitMs);
    fallback.unref?.();
  }

  hostOf(sessionId: string): string | null {
    return this.sessions.get(sessionId)?.hostId ?? null;
  }

  attach(ws: WebSocket, userId: string, sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s || s.userId !== userId || s.ended) return false;
    clearTimeout(s.detachTimer);
    s.sockets.add(ws);
    ws.once("close", () => {
      s.sockets.delete(ws);
      if (!s.sockets.size && !s.ended) this.armDetach(sessionId, s);
    });
    if (s.pending) {
      send(ws, { type: "pty.output", sessionId, data: s.pending });
      s.pending = "";
    }
    return true;
  }

  /** Browser → agent: input, resize, close, only from the session's owner. */
  forward(userId: string, msg: { type: "pty.input"; sessionId: string; data: string } | { type: "pty.resize"; sessionId: string; cols: number; rows: number } | { type: "pty.close"; sessionId: string }): boolean {
    const s = this.sessions.get(msg.sessionId);
    if (!s || s.userId !== userId || s.ended) return false;
    return agentHub().send(s.hostId, msg);
  }

  output(sessionId: string, data: string, relayed = false): void {
    const s = this.sessions.get(sessionId);
    // A session opened through another replica lives there: its browser is there.
    if (!s && !relayed) relayToReplicas({ type: "pty.output", sessionId, data });
    if (!s) return;
    if (!s.sockets.size) {
      s.pending = (s.pending + data).slice(-MAX_PENDING);
      return;
    }
    for (const ws of s.sockets) send(ws, { type: "pty.output", sessionId, data });
  }

  exit(sessionId: string, code: number | null, reason: "exit" | "idle" | "max-duration" | "closed" | undefined, relayed = false): Session | null {
    const s = this.sessions.get(sessionId);
    if (!s && !relayed) relayToReplicas({ type: "pty.exit", sessionId, code, reason });
    if (!s) return null;
    s.ended = true;
    clearTimeout(s.detachTimer);
    for (const ws of s.sockets) send(ws, { type: "pty.exit", sessionId, code, reason });
    this.sessions.delete(sessionId);
    return s;
  }
}

function send(ws: WebSocket, event: UiEvent): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
}

const KEY = Symbol.for("stoker.pty-relay");
export function ptyRelay(): PtyRelay {
  const g = globalThis as typeof globalThis & { [KEY]?: PtyRelay };
  g[KEY] ??= new PtyRelay();
  return g[KEY];
}
