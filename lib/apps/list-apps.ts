// Reads apps with their host and live processes.
import "server-only";
import { roleAtLeast } from "../auth/roles";
import type { UserActor } from "../auth/authenticate";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import type { AppView } from "../protocol";
import { appView } from "./app-record";

export async function listApps(actor: UserActor): Promise<AppView[]> {
  const apps = await db.app.findMany({ include: { host: true }, orderBy: { name: "asc" } });
  return apps.map((a) => appView(a, roleAtLeast(actor.role, "admin")));
}

export async function getApp(id: string, actor: UserActor): Promise<Result<AppView>> {
  const app = await db.app.findUnique({ where: { id }, include: { host: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist (it may have been deleted).");
  return ok(appView(app, roleAtLeast(actor.role, "admin")));
}
