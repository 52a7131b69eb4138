// Retiring a listener displaced from an app-bound app's path (a restart's new process, or a
// replacement's, took the path; AppBoundListener.putOnPath hands the old copy over). Nothing new
// reaches it, but what queued there must still reach a process, whatever exited first: while its
// own process lives, that process serves it (drained, then the generation is stopped); once the
// process is gone, whatever is left is relayed to the socket now on the path (backlog-relay.ts).
import type { HeldCopy } from "./app-bound-listener";
import { relayBacklog } from "./backlog-relay";
import { drainRetired } from "./drain";
import { isAlive } from "./proc-stats";

export type RetireOptions = {
  /** The displaced generation's processes (their accepted connections count as not drained). */
  pids: number[];
  /** How long its process may take to serve its backlog before it is stopped anyway. */
  timeoutMs: number;
  /** Stops the displaced generation (nothing for a replacement: its process exited already). */
  stop(): Promise<void>;
};

/** Resolves with how many queued connections were relayed, once the copy is closed. */
export async function retireDisplaced(copy: HeldCopy, file: string, opts: RetireOptions): Promise<number> {
  // An exit of its process (php-cgi at its request quota) ends the drain: nobody accepts there any more.
  await drainRetired(copy.fd, opts.timeoutMs, opts.pids, () => !isAlive(copy.pid));
  await opts.stop();
  // The process is gone: what it left queued (and a connect() that resolved the path just before
  // the swap) goes to the live process. The relay closes the copy once it is quiet.
  return relayBacklog(copy.fd, file);
}
