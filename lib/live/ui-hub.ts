// Browser sockets on /ws/ui and the events they receive. One instance per process (globalThis),
// shared by server.ts and the route handlers in Next's bundle.
import type { WebSocket } from "ws";
import type { UiEvent } from "../protocol";
import { relayToReplicas } from "../replicas/relay";
import type { UiCredential } from "./ui-socket";

const MAX_BUFFERED = 4 << 20; // a browser that cannot keep up is dropped, never buffered without bound

export class UiHub {
  private clients = new Map<WebSocket, { userId: string; credential?: UiCredential }>();

  add(ws: WebSocket, userId: string, credential?: UiCredential): void {
    this.clients.set(ws, { userId, credential });
    ws.on("close", () => this.clients.delete(ws));
  }

  /**
   * To every browser, on this replica and the others. Serialised once: every browser and the other
   * replicas get the same text (`text`, when the caller already has it, is JSON.stringify(event)).
   */
  publish(event: UiEvent, text = JSON.stringify(event)): void {
    this.publishLocal(event, text);
    relayToReplicas(event, text);
  }

  /** To this replica's browsers only (an event another replica relayed, with its text when known). */
  publishLocal(event: UiEvent, text?: string): void {
    if (!this.clients.size) return;
    text ??= JSON.stringify(event);
    for (const ws of this.clients.keys()) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED) {
        ws.close(1013, "too slow");
        continue;
      }
      ws.send(text);
    }
  }

  /**
   * Runs `send` with every browser socket corked: the events it publishes leave in one write per
   * socket instead of one system call each (a batch of coalesced status events, lib/live/status-fanout).
   */
  corked(send: () => void): void {
    const sockets = [...this.clients.keys()].flatMap((ws) => rawSocket(ws) ?? []);
    for (const s of sockets) s.cork();
    try {
      send();
    } finally {
      for (const s of sockets) s.uncork();
    }
  }

  /** Ends every socket of a user (log out everywhere, role change). */
  disconnectUser(userId: string): void {
    for (const [ws, info] of this.clients) if (info.userId === userId) ws.close(4001, "session ended");
  }

  /**
   * Ends a user's sockets opened with another browser session (password change). The current session
   * and API tokens keep theirs: tokens survive a password change (they are revoked on their own).
   */
  disconnectOtherSessions(userId: string, keepSessionHash: string | null): void {
    for (const [ws, info] of this.clients) {
      if (info.userId !== userId || info.credential?.kind === "token") continue;
      if (info.credential?.kind === "session" && info.credential.tokenHash === keepSessionHash) continue;
      ws.close(4001, "session ended");
    }
  }

  get size(): number {
    return this.clients.size;
  }
}

/** The TCP socket under a ws WebSocket (ws keeps it as `_socket`; it corks around each frame itself, so corks nest). */
function rawSocket(ws: WebSocket): { cork(): void; uncork(): void } | null {
  const s = (ws as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return s && typeof s.cork === "function" && typeof s.uncork === "function" ? (s as { cork(): void; uncork(): void }) : null;
}

const KEY = Symbol.for("stoker.ui-hub");
export function uiHub(): UiHub {
  const g = globalThis as typeof globalThis & { [KEY]?: UiHub };
  g[KEY] ??= new UiHub();
  return g[KEY];
}
