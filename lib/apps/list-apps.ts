// Reads apps with their host and live processes: a page at a time (`pageApps`), or the whole list
// up to UNPAGED_MAX (`listApps`, the old shape the CLI and early clients use). Sorted by name, id.
import "server-only";
import { roleAtLeast } from "../auth/roles";
import type { UserActor } from "../auth/authenticate";
import { db } from "../db";
import { containsText } from "../db-text";
import { afterCursor, NAME_ORDER, toPage } from "../http/name-pages";
import { err, ok, type Result } from "../result";
import { type AppView, type ListQuery, type Page, UNPAGED_MAX } from "../protocol";
import { appView } from "./app-record";

const matching = (q: string | undefined) => (q ? { OR: [{ name: containsText(q) }, { host: { name: containsText(q) } }] } : {});

/** Every app (matching `q`), at most UNPAGED_MAX; `truncated` says there were more. */
export async function listApps(actor: UserActor, query: Pick<ListQuery, "q"> = {}): Promise<AppView[] & { truncated?: boolean }> {
  const apps = await db.app.findMany({ where: matching(query.q), include: { host: true }, orderBy: NAME_ORDER, take: UNPAGED_MAX + 1 });
  const secrets = roleAtLeast(actor.role, "admin");
  const list: AppView[] & { truncated?: boolean } = apps.slice(0, UNPAGED_MAX).map((a) => appView(a, secrets));
  if (apps.length > UNPAGED_MAX) list.truncated = true;
  return list;
}

/** One page of apps (matching `q`) after `cursor`. */
export async function pageApps(actor: UserActor, query: ListQuery & { limit: number }): Promise<Result<Page<AppView>>> {
  const after = afterCursor(query.cursor);
  if (!after.ok) return after;
  const rows = await db.app.findMany({ where: { AND: [matching(query.q), after.value] }, include: { host: true }, orderBy: NAME_ORDER, take: query.limit + 1 });
  const secrets = roleAtLeast(actor.role, "admin");
  return ok(toPage(rows, query.limit, (a) => appView(a, secrets)));
}

export async function getApp(id: string, actor: UserActor): Promise<Result<AppView>> {
  const app = await db.app.findUnique({ where: { id }, include: { host: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist (it may have been deleted).");
  return ok(appView(app, roleAtLeast(actor.role, "admin")));
}
