// Batched writes (DESIGN 13: no agent message waits on the database). Each batcher keeps what must
// persist in memory, writes it in a few transactions on a short timer, and is flushed at shutdown
// (server.ts) so nothing taken in is lost. Readers that need the rows now call `flush` first.
// Lives on globalThis: the agent sockets (server.ts) and the route handlers (Next's bundle) share it.
import "server-only";
import { isStorageFull } from "./storage-full";

export type Batcher = { name: string; flush: () => Promise<void>; pending: () => number };

const KEY = Symbol.for("stoker.write-behind");
type Registry = Map<string, Batcher>;

function registry(): Registry {
  const g = globalThis as typeof globalThis & { [KEY]?: Registry };
  g[KEY] ??= new Map();
  return g[KEY];
}

/** Registers (or returns the already registered) batcher of that name. */
export function batcher(b: Batcher): Batcher {
  const r = registry();
  const existing = r.get(b.name);
  if (existing) return existing;
  r.set(b.name, b);
  return b;
}

/** Writes everything every batcher holds; a failure is logged and the rest are still flushed. */
export async function flushAll(): Promise<void> {
  for (const b of registry().values()) {
    try {
      await b.flush();
    } catch (e) {
      console.error(`[stoker] could not write the pending ${b.name}${isStorageFull(e) ? ": the disk is full" : ":"}`, isStorageFull(e) ? "" : e);
    }
  }
}

/** Runs `flush` every `ms` while something is pending; the timer never keeps the process alive. */
export function everyFewMs(ms: number, flush: () => Promise<void>): () => void {
  let timer: NodeJS.Timeout | null = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      flush().catch((e: unknown) => {
        if (!isStorageFull(e)) console.error("[stoker] a batched write failed:", e);
      });
    }, ms);
    timer.unref();
  };
}

/** Lets other work run between chunks of a large batch, so one flush never holds the loop long. */
export const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));
