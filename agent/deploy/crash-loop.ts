// Watches a freshly switched release for a short window: if its processes keep restarting
// (a crash loop the health gate could not see), the caller rolls back automatically.
export type CrashLoopWatch = {
  /** How long after the switch a crash loop counts against the new release. */
  windowMs: number;
  /** Restarts (summed over the new processes) within the window that mean "crash loop". */
  maxRestarts: number;
  /** Reads the total restart count of the new generation (any monotonic counter works). */
  readRestarts: () => number | Promise<number>;
  pollMs?: number;
  /** Stops watching early (e.g. another deployment started). */
  signal?: AbortSignal;
};

export type CrashLoopVerdict = { crashLoop: boolean; restarts: number; afterMs: number };

export async function watchCrashLoop(w: CrashLoopWatch): Promise<CrashLoopVerdict> {
  const started = Date.now();
  const base = await w.readRestarts();
  const pollMs = w.pollMs ?? 250;
  let restarts = 0;
  while (Date.now() - started < w.windowMs && !w.signal?.aborted) {
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, w.windowMs - (Date.now() - started)))));
    restarts = (await w.readRestarts()) - base;
    if (restarts > w.maxRestarts) return { crashLoop: true, restarts, afterMs: Date.now() - started };
  }
  return { crashLoop: false, restarts, afterMs: Date.now() - started };
}
