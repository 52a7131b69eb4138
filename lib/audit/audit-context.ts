// Who is acting, from where: attached to every audit event.
export type Actor =
  | { type: "user"; userId: string; email: string; role: import("../auth/roles").Role }
  | { type: "token"; userId: string; email: string; role: import("../auth/roles").Role; tokenId: string; tokenName: string }
  | { type: "agent"; hostId: string; hostName: string }
  | { type: "system" }
  | { type: "anonymous"; email?: string };

export type AuditContext = { actor: Actor; ip: string };

export function actorLabel(actor: Actor): string {
  switch (actor.type) {
    case "user":
      return actor.email;
    case "token":
      return `${actor.email} (token ${actor.tokenName})`;
    case "agent":
      return `agent ${actor.hostName}`;
    case "system":
      return "system";
    case "anonymous":
      return actor.email ? `anonymous (${actor.email})` : "anonymous";
  }
}

export function actorId(actor: Actor): string {
  if (actor.type === "user" || actor.type === "token") return actor.userId;
  if (actor.type === "agent") return actor.hostId;
  return "";
}

export function clientIp(req: Request): string {
  return req.headers.get("x-stoker-remote-addr") ?? "";
}
