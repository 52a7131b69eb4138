// Wraps every route handler: authenticates, checks the route's permission, turns a thrown error
// into a logged 500 with no internals (or a 507 when the disk is full). The rule is attached to the handler so a test can list them all.
import "server-only";
import type { AuditContext } from "../audit/audit-context";
import { clientIp } from "../audit/audit-context";
import { type AuthOptions, requireUser, type UserActor } from "../auth/authenticate";
import type { Permission } from "../auth/roles";
import { isStorageFull, storageFullError } from "../storage-full";
import { toResponse } from "./to-response";

type Ctx = { params: Promise<Record<string, string>> };
export type Route = ((req: Request, ctx: Ctx) => Promise<Response>) & { rule: Permission | "public" };
export type Authed = { actor: UserActor; audit: AuditContext; params: Record<string, string> };

function guard(rule: Permission | "public", fn: (req: Request, ctx: Ctx) => Promise<Response>): Route {
  const wrapped = async (req: Request, ctx: Ctx) => {
    try {
      return await fn(req, ctx);
    } catch (e) {
      if (isStorageFull(e)) {
        console.error(`[api] ${req.method} ${new URL(req.url).pathname}: the disk is full`);
        return toResponse(storageFullError());
      }
      console.error(`[api] ${req.method} ${new URL(req.url).pathname} failed:`, e);
      return Response.json({ code: "INTERNAL", message: "The control plane hit an internal error; it was logged." }, { status: 500 });
    }
  };
  return Object.assign(wrapped, { rule });
}

export function handler(permission: Permission, fn: (req: Request, a: Authed) => Promise<Response>, opts: AuthOptions = {}): Route {
  return guard(permission, async (req, ctx) => {
    const actor = await requireUser(req, permission, opts);
    if (!actor.ok) return toResponse(actor);
    const params = ctx?.params ? await ctx.params : {};
    return fn(req, { actor: actor.value, audit: { actor: actor.value, ip: clientIp(req) }, params });
  });
}

export function publicHandler(fn: (req: Request, ctx: Ctx) => Promise<Response>): Route {
  return guard("public", fn);
}
