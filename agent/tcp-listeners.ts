// The host's TCP sockets in LISTEN, read from /proc/net/tcp and tcp6: who holds a port (apply's
// checks) and how deep its accept backlog is (the metrics' listen queue).
import { readFileSync } from "node:fs";

const TCP_LISTEN = "0A";

/** One LISTEN socket: its local address as the kernel writes it (hex "ADDR:PORT"), inode and rx_queue (the accept backlog). */
export type TcpListener = { family: 4 | 6; local: string; inode: number; backlog: number };

export function tcpListeners(): TcpListener[] {
  const out: TcpListener[] = [];
  for (const [file, family] of [["/proc/net/tcp", 4], ["/proc/net/tcp6", 6]] as const) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local rem st tx_queue:rx_queue tr:tm retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      out.push({ family, local: f[1], inode: Number(f[9]), backlog: Number.parseInt(f[4].split(":")[1] ?? "0", 16) });
    }
  }
  return out;
}
