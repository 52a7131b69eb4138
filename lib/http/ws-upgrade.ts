// Answers every HTTP upgrade on the control plane's port: /ws/agent and /ws/ui are authenticated
// before the handshake; anything refused gets an HTTP status and its socket is closed, whatever its
// headers, so no request can leave a descriptor behind (a socket in CLOSE_WAIT is one lost fd).
import "server-only";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { authenticateAgent, onAgentConnection } from "../agents/agent-socket";
import { config } from "../config";
import { authenticateUi, onUiConnection } from "../live/ui-socket";
import { LIMITS } from "./limits";

const CLOSE_AFTER_MS = 5_000; // a refused client that never closes its side is cut off after this

/** Writes an HTTP status, half-closes, and destroys the socket if the peer lingers. Never throws. */
export function refuseUpgrade(socket: Duplex, status: string): void {
  if (socket.destroyed) return;
  try {
    socket.resume(); // read (and drop) whatever the client still sends, so its FIN is seen
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
    setTimeout(() => socket.destroy(), CLOSE_AFTER_MS).unref();
  } catch {
    socket.destroy();
  }
}

// A peer's error (a frame over maxPayload, a reset) closes that socket; unhandled it would crash the process.
function guardSocket(ws: WebSocket, label: string): void {
  ws.on("error", (e) => {
    console.warn(`[ws] ${label} socket closed: ${e.message}`);
    ws.terminate();
  });
}

export function createUpgradeHandler(opts: { dev: boolean }) {
  const agentWss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.agentFrame });
  const uiWss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.uiFrame });
  for (const wss of [agentWss, uiWss]) {
    wss.on("error", (e) => console.error("[ws] server error:", e));
    wss.on("wsClientError", (e, socket) => {
      console.warn(`[ws] refused a malformed handshake: ${e.message}`);
      refuseUpgrade(socket, "400 Bad Request");
    });
  }

  return function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A reset during authentication would otherwise be an uncaught 'error' on the raw socket.
    socket.on("error", () => socket.destroy());
    const refuse = (status: string) => refuseUpgrade(socket, status);
    let pathname: string;
    try {
      pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      refuse("400 Bad Request");
      return;
    }
    if (pathname === `${config.basePath}/ws/agent`) {
      authenticateAgent(req.headers.authorization)
        .then((host) => {
          if (!host) {
            console.warn(`[ws] refused an agent with a wrong host key from ${req.socket.remoteAddress}`);
            return refuse("401 Unauthorized");
          }
          agentWss.handleUpgrade(req, socket, head, (ws) => {
            guardSocket(ws, `agent ${host.name}`);
            onAgentConnection(ws, host).catch((e: unknown) => {
              console.error(`[agent ${host.name}] connection setup failed:`, e);
              ws.close(1011, "internal error");
            });
          });
        })
        .catch((e: unknown) => {
          console.error("[ws] agent authentication failed:", e);
          refuse("500 Internal Server Error");
        });
      return;
    }
    if (pathname === `${config.basePath}/ws/ui`) {
      authenticateUi(req)
        .then((auth) => {
          if (!auth.ok) return refuse(auth.status);
          uiWss.handleUpgrade(req, socket, head, (ws) => {
            guardSocket(ws, "ui");
            onUiConnection(ws, auth.actor, auth.credential);
          });
        })
        .catch((e: unknown) => {
          console.error("[ws] ui authentication failed:", e);
          refuse("500 Internal Server Error");
        });
      return;
    }
    // Dev: Next's HMR attaches its own upgrade listener; leave its sockets alone.
    if (!opts.dev) refuse("404 Not Found");
  };
}
