// A browser's WebSocket on /ws/ui: authenticated by its session cookie before the upgrade,
// then fed UiEvents. Frames from the browser are parsed; anything else is refused.
import "server-only";
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { authenticateHeaders, type UserActor } from "../auth/authenticate";
import { hashSecret } from "../auth/secrets";
import { readCookie, SESSION_COOKIE } from "../auth/sessions";
import { parseFrame, UiToControlSchema } from "../protocol";
import { ptyRelay } from "../debug/pty-relay";
import { logFollows } from "./log-follows";
import { uiHub } from "./ui-hub";

/** Which credential opened a socket: a password change ends the sockets of the user's other sessions. */
export type UiCredential = { kind: "session"; tokenHash: string } | { kind: "token"; tokenId: string };
export type UiAuth = { ok: true; actor: UserActor; credential: UiCredential } | { ok: false; status: string };

// Browsers always send Origin on WebSocket upgrades: refuse other sites (cross-site WebSocket hijacking).
// `null` (sandboxed frames) and unparsable values are refused; no Origin at all is a non-browser client.
function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export async function authenticateUi(req: IncomingMessage): Promise<UiAuth> {
  if (!originAllowed(req.headers.origin, req.headers.host)) return { ok: false, status: "403 Forbidden" };
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v !== "string") continue;
    try {
      headers.set(k, v);
    } catch {
      return { ok: false, status: "400 Bad Request" }; // a header value the Fetch API refuses
    }
  }
  const actor = await authenticateHeaders(headers, "GET");
  if (!actor.ok) return { ok: false, status: "401 Unauthorized" };
  const cookie = readCookie(headers.get("cookie"), SESSION_COOKIE);
  const credential: UiCredential =
    actor.value.type === "token" ? { kind: "token", tokenId: actor.value.tokenId } : { kind: "session", tokenHash: hashSecret(cookie ?? "") };
  return { ok: true, actor: actor.value, credential };
}

export function onUiConnection(ws: WebSocket, actor: UserActor, credential: UiCredential): void {
  uiHub().add(ws, actor.userId, credential);
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
