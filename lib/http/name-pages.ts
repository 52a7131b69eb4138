// Keyset pages over rows sorted by (name, id), the order of every list route: the cursor is the
// last row's key, so a row inserted meanwhile never shifts or repeats what the next page holds.
import "server-only";
import { err, ok, type Result } from "../result";
import type { Page } from "../protocol";

export const NAME_ORDER = [{ name: "asc" as const }, { id: "asc" as const }];

export function encodeNameCursor(row: { name: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.name, row.id])).toString("base64url");
}

/** The `where` for the rows after a cursor, or an error for one this API did not give out. */
export function afterCursor(cursor: string | undefined): Result<object> {
  if (!cursor) return ok({});
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (Array.isArray(key) && key.length === 2 && typeof key[0] === "string" && typeof key[1] === "string") {
      const [name, id] = key;
      return ok({ OR: [{ name: { gt: name } }, { name, id: { gt: id } }] });
    }
  } catch {
    // falls through to the error
  }
  return err("BAD_REQUEST", "That cursor is not one this API gave out.", { fields: [{ path: "cursor", message: "Unknown cursor." }] });
}

/** Cuts `limit + 1` rows read to a page: the extra row only says there is a next page. */
export function toPage<R extends { name: string; id: string }, T>(rows: R[], limit: number, view: (r: R) => T): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(view), nextCursor: rows.length > limit && last ? encodeNameCursor(last) : null };
}
