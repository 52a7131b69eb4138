// The listen-queue depth of an app's socket (PHP-FPM's "listen queue"): connections the kernel
// accepted into the backlog that no worker has taken yet. Unix sockets through sock_diag, TCP
// listeners from /proc/net/tcp (a LISTEN socket's rx_queue is its accept backlog).
import { tcpListeners } from "../tcp-listeners";
import { unixListenQueues } from "./unix-listen-queue";

/**
 * One reading of every listener on the host, so a sample of 50 apps costs one dump; the TCP tables
 * are read only if an app's listener is not among the Unix ones.
 */
export type QueueSnapshot = { unix: Map<number, number> | null; tcp: () => Map<number, number> };

export function readQueues(): QueueSnapshot {
  let tcp: Map<number, number> | null = null;
  return { unix: unixListenQueues(), tcp: () => (tcp ??= tcpListenQueues()) };
}

/** inode → rx_queue of every TCP (v4 and v6) socket in LISTEN. */
export function tcpListenQueues(): Map<number, number> {
  return new Map(tcpListeners().map((l) => [l.inode, l.backlog]));
}

/** The queue of the listener with `inode` (from the agent's own fd, or found by path), null if unknown. */
export function queueOf(snapshot: QueueSnapshot, inode: number | null): number | null {
  if (inode === null) return null;
  return snapshot.unix?.get(inode) ?? snapshot.tcp().get(inode) ?? null;
}
