// The host's TCP sockets from /proc/net/tcp and tcp6: those in LISTEN (who holds a port, for apply's
// checks; how deep its accept backlog is, for the metrics' listen queue) and those ESTABLISHED (the
// metrics' busy workers of a TCP app). A busy web host's tables run to tens of thousands of lines,
// mostly TIME_WAIT: one regex over the text picks the wanted states' lines, so the others cost no
// line, field or array allocation.
import { readFileSync } from "node:fs";

/** One LISTEN socket: its local address as the kernel writes it (hex "ADDR:PORT"), inode and rx_queue (the accept backlog). */
export type TcpListener = { family: 4 | 6; local: string; inode: number; backlog: number };
/** One ESTABLISHED socket: its local address (hex "ADDR:PORT") and inode. */
export type TcpConnection = { family: 4 | 6; local: string; inode: number };

const FILES = [["/proc/net/tcp", 4], ["/proc/net/tcp6", 6]] as const;

// sl: local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
function lineRe(state: string): RegExp {
  return new RegExp(`^ *\\d+: +([0-9A-F]+:[0-9A-F]+) +[0-9A-F]+:[0-9A-F]+ +${state} +[0-9A-F]+:([0-9A-F]+) +\\S+ +\\S+ +\\d+ +\\d+ +(\\d+)`, "gm");
}

function scan<T>(state: string, make: (family: 4 | 6, local: string, rxQueue: string, inode: number) => T): T[] {
  const out: T[] = [];
  for (const [file, family] of FILES) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const m of text.matchAll(lineRe(state))) out.push(make(family, m[1] as string, m[2] as string, Number(m[3])));
  }
  return out;
}

export function tcpListeners(): TcpListener[] {
  return scan("0A", (family, local, rx, inode) => ({ family, local, inode, backlog: Number.parseInt(rx, 16) }));
}

export function tcpEstablished(): TcpConnection[] {
  return scan("01", (family, local, _rx, inode) => ({ family, local, inode }));
}
