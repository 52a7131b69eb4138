// The query and page shape of the list routes (GET /api/v1/apps, /hosts): `?limit=&cursor=&q=`
// answers `{items, nextCursor}`; without `limit`, the old array (at most UNPAGED_MAX items).
import * as z from "zod";
import { AppViewSchema, HostViewSchema } from "./ui-messages";

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  /** Opaque: the `nextCursor` of the previous page. Pages follow the sort key, so inserts never shift them. */
  cursor: z.string().max(700).optional(),
  /** Case-insensitive substring of the name (apps: or of their host's name). */
  q: z.string().trim().max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

/** An unpaged call (no `limit`) answers at most this many; the header TRUNCATED_HEADER says when there were more. */
export const UNPAGED_MAX = 5000;
export const TRUNCATED_HEADER = "x-stoker-truncated";

export type Page<T> = { items: T[]; nextCursor: string | null };
const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const AppPageSchema = pageOf(AppViewSchema);
export const HostPageSchema = pageOf(HostViewSchema);
