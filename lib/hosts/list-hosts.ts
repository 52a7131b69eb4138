// Hosts with their live status: a page at a time (`pageHosts`), or all of them up to UNPAGED_MAX
// (`listHosts`, the old shape). Sorted by name, id.
import "server-only";
import { db } from "../db";
import { containsText } from "../db-text";
import { afterCursor, NAME_ORDER, toPage } from "../http/name-pages";
import { type HostView, type ListQuery, type Page, UNPAGED_MAX } from "../protocol";
import { ok, type Result } from "../result";
import { hostView } from "./host-view";

const matching = (q: string | undefined) => (q ? { name: containsText(q) } : {});

export async function listHosts(query: Pick<ListQuery, "q"> = {}): Promise<HostView[] & { truncated?: boolean }> {
  const hosts = await db.host.findMany({ where: matching(query.q), orderBy: NAME_ORDER, take: UNPAGED_MAX + 1 });
  const list: HostView[] & { truncated?: boolean } = hosts.slice(0, UNPAGED_MAX).map(hostView);
  if (hosts.length > UNPAGED_MAX) list.truncated = true;
  return list;
}

export async function pageHosts(query: ListQuery & { limit: number }): Promise<Result<Page<HostView>>> {
  const after = afterCursor(query.cursor);
  if (!after.ok) return after;
  const rows = await db.host.findMany({ where: { AND: [matching(query.q), after.value] }, orderBy: NAME_ORDER, take: query.limit + 1 });
  return ok(toPage(rows, query.limit, hostView));
}
