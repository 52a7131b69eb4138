// The answer of a list route: a page when the query has `limit`, else the old unpaged array
// (capped at UNPAGED_MAX, with TRUNCATED_HEADER set when there were more).
import "server-only";
import { type ListQuery, ListQuerySchema, type Page, TRUNCATED_HEADER, UNPAGED_MAX } from "../protocol";
import type { Result } from "../result";
import { parseQuery } from "./parse-body";
import { toResponse } from "./to-response";

export async function listResponse<T>(
  req: Request,
  unpaged: (q: Pick<ListQuery, "q">) => Promise<T[] & { truncated?: boolean }>,
  paged: (q: ListQuery & { limit: number }) => Promise<Result<Page<T>>>,
): Promise<Response> {
  const query = parseQuery(req, ListQuerySchema);
  if (!query.ok) return toResponse(query);
  const { limit } = query.value;
  if (limit !== undefined) return toResponse(await paged({ ...query.value, limit }));
  if (query.value.cursor) return toResponse({ ok: false, code: "BAD_REQUEST", message: "A cursor needs a limit (?limit=&cursor=)." });
  const list = await unpaged({ q: query.value.q });
  const headers: Record<string, string> = list.truncated ? { [TRUNCATED_HEADER]: `only the first ${UNPAGED_MAX}; page with ?limit=&cursor=` } : {};
  return Response.json([...list], { headers });
}
