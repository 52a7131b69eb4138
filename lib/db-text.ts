// Text search in lists (`?q=`), alike on both databases: SQLite's LIKE (what `contains` becomes)
// ignores ASCII case, PostgreSQL's does not unless asked, so a search for "API" found "api-1" on one
// and not the other.
import "server-only";
import { dbKind } from "./db";

/** A `contains` filter that ignores case on either database. */
export function containsText(q: string): { contains: string } {
  // `mode` exists only in the PostgreSQL client's types; the query is the same object.
  return dbKind() === "postgresql" ? ({ contains: q, mode: "insensitive" } as { contains: string }) : { contains: q };
}
