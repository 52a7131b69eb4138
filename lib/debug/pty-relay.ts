// Relays debug terminals between browser sockets and agents. A session belongs to the user who
// opened it: only their sockets may attach, type, resize or close it. Output that arrives before
// a browser attaches (or during a reconnect) is buffered up to a bound.
import "server-only";
import type { WebSocket } from "ws";
import { agentHub } from "../agents/agent-hub";
import type { UiEvent } from "../protocol";

type Session = { hostId: string; userId: string; sockets: Set<WebSocket>; pending: string; ended: boolean };
const MAX_PENDING = 256 * 1024;

class PtyRelay {
  private sessions = new Map<string, Session>();

  register(sessionId: string, hostId: string, userId: string): void {
    this.sessions.set(sessionId, { hostId, userId, sockets: new Set(), pending: "", ended: false });
  }

  hostOf(sessionId: string): string | null {
    return this.sessions.get(sessionId)?.hostId ?? null;
  }

  attach(ws: WebSocket, userId: string, sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s || s.userId !== userId) return false;
    s.sockets.add(ws);
    ws.once("close", () => s.sockets.delete(ws));
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

  output(sessionId: string, data: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    if (!s.sockets.size) {
      s.pending = (s.pending + data).slice(-MAX_PENDING);
      return;
    }
    for (const ws of s.sockets) send(ws, { type: "pty.output", sessionId, data });
  }

  exit(sessionId: string, code: number | null, reason: "exit" | "idle" | "max-duration" | "closed" | undefined): Session | null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    s.ended = true;
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
