// Starts a browser session for a user and answers with its cookie.
import "server-only";
import { clientIp } from "../audit/audit-context";
import { createSession, sessionCookie } from "./sessions";

export async function loginResponse(req: Request, userId: string, body: unknown, status = 200): Promise<Response> {
  const { token, expiresAt } = await createSession(userId, clientIp(req), req.headers.get("user-agent") ?? "");
  const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  return Response.json(body, { status, headers: { "set-cookie": sessionCookie(token, expiresAt, secure) } });
}
