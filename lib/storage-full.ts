// The one place that knows a write failed because the control plane's disk is full (SQLite's
// SQLITE_FULL, as the Prisma driver adapter reports it, or ENOSPC). Route handlers answer it with
// 507 (lib/http/handler.ts); bookkeeping writes that must not block a read (last-used times) skip it.
import "server-only";
import { err, type Err } from "./result";

const MARKERS = ["SQLITE_FULL", "database or disk is full", "ENOSPC"];

/** True if `e`, or anything it wraps (cause, meta, the driver's error), says the disk is full. */
export function isStorageFull(e: unknown, depth = 0): boolean {
  if (depth > 5 || e === null || e === undefined) return false;
  if (typeof e === "string") return MARKERS.some((m) => e.includes(m));
  if (typeof e !== "object") return false;
  const o = e as Record<string, unknown>;
  for (const key of ["code", "message", "originalCode", "originalMessage"]) {
    if (typeof o[key] === "string" && MARKERS.some((m) => (o[key] as string).includes(m))) return true;
  }
  return ["cause", "meta", "driverAdapterError"].some((key) => key in o && isStorageFull(o[key], depth + 1));
}

export function storageFullError(): Err {
  return err("STORAGE_FULL", "The control plane's disk is full, so this change was not saved. Reading still works; free some space and try again.");
}

/** Runs a bookkeeping write that a full disk may skip (e.g. a token's last-used time). */
export async function unlessStorageFull(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (e) {
    if (!isStorageFull(e)) throw e;
  }
}
