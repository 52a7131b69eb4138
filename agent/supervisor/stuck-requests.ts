// requestTimeoutS (PHP-FPM's request_terminate_timeout, with its slowlog): which process has held
// the same request longer than the limit, and the report kept of it: its last output, what the
// kernel says it waits in, and a stack where the runtime can give one (none can here: php-cgi has
// no stack dump, and py-spy or similar is not on the host; the report says so).
import { readFileSync } from "node:fs";

export class StuckRequests {
  /** pid → the connection it holds and since when it was first seen holding it. */
  private current = new Map<number, { conn: number; since: number }>();

  /** Records what `pid` holds now; returns how long it has held its oldest connection (0 when idle). */
  observe(pid: number, connections: number[], now = Date.now()): number {
    const prev = this.current.get(pid);
    if (!connections.length) {
      this.current.delete(pid);
      return 0;
    }
    if (prev && connections.includes(prev.conn)) return now - prev.since;
    this.current.set(pid, { conn: connections[0], since: now });
    return 0;
  }

  keepOnly(pids: Set<number>): void {
    for (const pid of this.current.keys()) if (!pids.has(pid)) this.current.delete(pid);
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

/** What the kernel says about a stuck process, and why no stack follows. */
export function stuckReport(pid: number, heldMs: number, limitS: number, command: string, output: string): string {
  const stat = read(`/proc/${pid}/stat`);
  const state = stat ? stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] : "?";
  const wchan = read(`/proc/${pid}/wchan`) || "-";
  const syscall = read(`/proc/${pid}/syscall`).split(" ")[0] || "-";
  const lines = [
    `process ${pid} held one request for ${(heldMs / 1000).toFixed(1)} s, past requestTimeoutS ${limitS}: replaced (stop signal first, then SIGKILL)`,
    `kernel: state ${state}, waiting in ${wchan}, syscall ${syscall === "running" ? "none (running on CPU)" : syscall}`,
    `stack: not available for ${command.split("/").pop()} (no stack dump for this runtime on this host: py-spy/rbspy/phpspy are not installed, php-cgi has no slowlog of its own)`,
  ];
  if (output) lines.push(`last output:\n${output.slice(-4000)}`);
  return lines.join("\n");
}
