// A browser's WebSocket on /ws/ui: authenticated by its session cookie before the upgrade,
// then fed UiEvents. Frames from the browser are parsed; anything else is refused.
import "server-only";
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { authenticateHeaders, type UserActor } from "../auth/authenticate";
import { parseFrame, UiToControlSchema } from "../protocol";
import { ptyRelay } from "../debug/pty-relay";
import { logFollows } from "./log-follows";
import { uiHub } from "./ui-hub";

export async function authenticateUi(req: IncomingMessage): Promise<UserActor | null> {
  // Browsers always send Origin on WebSocket upgrades: refuse other sites (cross-site WebSocket hijacking).
  const origin = req.headers.origin;
  if (origin && new URL(origin).host !== req.headers.host) return null;
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const actor = await authenticateHeaders(headers, "GET");
  return actor.ok ? actor.value : null;
}

export function onUiConnection(ws: WebSocket, actor: UserActor): void {
  uiHub().add(ws, actor.userId);
  ws.on("message", (data) => {
    const msg = parseFrame(UiToControlSchema, String(data));
    if (!msg.ok) {
      ws.send(JSON.stringify({ type: "error", message: `Message ignored (${msg.why}).` }));
      return;
    }
    const m = msg.value;
    if (m.type === "logs.follow") void logFollows().follow(ws, m.appId, m.afterSeq);
    else if (m.type === "logs.unfollow") logFollows().unfollow(ws, m.appId);
    else if (m.type === "pty.attach") {
      if (!ptyRelay().attach(ws, actor.userId, m.sessionId)) ws.send(JSON.stringify({ type: "error", message: "That terminal session is not yours or has ended." }));
    } else if (m.type === "pty.input" || m.type === "pty.resize" || m.type === "pty.close") ptyRelay().forward(actor.userId, m);
  });
}
