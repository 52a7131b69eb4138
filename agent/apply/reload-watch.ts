// Did the server take the new config? A reload command returns before the server acts on it, and
// a refused reload leaves no exit code: nginx keeps the old config and logs [emerg]; lighttpd and
// Apache stop. So watch the server's own error log (from where it ended before the reload) and
// its pid until the server says it restarted, says it failed, or dies.
import { open, stat } from "node:fs/promises";
import type { WebServer } from "../../lib/protocol";
import { processTree, readPidFile, runningPid } from "./server-process";

/** Lines that mean the reload failed (the old config stays, or the server stopped). */
const REFUSED: Record<WebServer, RegExp> = {
  nginx: /\[emerg\]/,
  lighttpd: /can't bind|bind\(\) failed|Address already in use/i,
  apache: /AH00072|AH00015|AH00016|no listening sockets available|Unable to open logs|Configuration Failed|\[[a-z_]*:?emerg\]/,
};

/**
 * Lines a server writes once the new config is in force. nginx logs nothing at its default level
 * on success: a quiet log for the settle time is its "yes".
 */
const RESTARTED: Partial<Record<WebServer, RegExp>> = {
  lighttpd: /server started \(lighttpd/,
  apache: /AH00489|resuming normal operations/,
};

export type ReloadWatchOptions = {
  server: WebServer;
  errorLog?: string;
  pidFile?: string;
  /** Quiet time after which a silent server counts as reloaded. */
  settleMs: number;
  /** Longest wait for a restart line (lighttpd waits for requests in flight before it restarts). */
  timeoutMs: number;
};

export type ReloadVerdict = { ok: true } | { ok: false; check: "server-stopped" | "reload-refused"; detail: string };

/** Size of the error log now, to read only what the reload adds. */
export async function logOffset(file: string | undefined): Promise<number> {
  if (!file) return 0;
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, "r").catch(() => null);
  if (!handle) return "";
  try {
    const { size } = await handle.stat();
    // A rotated (smaller) log starts over; never read more than 256 KiB of new lines.
    const from = size < offset ? 0 : offset;
    const length = Math.min(size - from, 256 * 1024);
    if (length <= 0) return "";
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, from);
    return buf.toString("utf8");
  } finally {
    await handle.close();
  }
}

/** The master's children now: a reload that took replaces them (nginx, Apache). */
export function workerPids(pidFile: string | undefined): Set<number> {
  const master = pidFile ? readPidFile(pidFile) : null;
  if (master === null) return new Set();
  const tree = processTree(master);
  tree.delete(master);
  return tree;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the reload succeeded or failed, judged from the error log, the pid and the workers.
 * `workersBefore`: the master's children before the reload (nginx starts new workers only once the
 * new config is in force; while it retries a busy port for ~2.5 s it starts none).
 */
export async function watchReload(opts: ReloadWatchOptions, offset: number, wasRunning: boolean, workersBefore: ReadonlySet<number> = new Set()): Promise<ReloadVerdict> {
  const started = Date.now();
  const restarted = opts.errorLog ? RESTARTED[opts.server] : undefined;
  const stopped = () => wasRunning && opts.pidFile !== undefined && runningPid(opts.pidFile) === null;
  const newWorkers = () => workersBefore.size > 0 && [...workerPids(opts.pidFile)].some((p) => !workersBefore.has(p));
  let refusedAt = 0;
  for (;;) {
    await sleep(100);
    const text = opts.errorLog ? await readFrom(opts.errorLog, offset) : "";
    const tail = text.trim().split("\n").slice(-5).join("\n");
    const refused = text.split("\n").filter((l) => REFUSED[opts.server].test(l));
    if (refused.length && opts.server === "nginx" && workersBefore.size > 0) {
      // nginx retries a busy port for ~2.5 s, and these lines may still come from an earlier
      // reload it is finishing: new workers mean ours took, none by then mean it was refused.
      if (newWorkers()) return { ok: true };
      refusedAt ||= Date.now();
      if (Date.now() - refusedAt < 3500) continue;
      return { ok: false, check: "reload-refused", detail: refused.slice(-5).join("\n") };
    }
    if (refused.length) {
      // lighttpd and Apache log why, then stop: "stopped" is the worse news, so look once more.
      for (let i = 0; i < 10 && !stopped(); i++) await sleep(100);
      if (stopped()) return { ok: false, check: "server-stopped", detail: `${opts.server} stopped: ${refused.slice(0, 3).join("\n")}` };
      return { ok: false, check: "reload-refused", detail: refused.slice(0, 5).join("\n") };
    }
    if (stopped()) return { ok: false, check: "server-stopped", detail: `${opts.server} is no longer running after the reload.${tail ? `\n${tail}` : ""}` };
    const elapsed = Date.now() - started;
    const settled = elapsed >= opts.settleMs;
    if (settled && (restarted?.test(text) || newWorkers())) return { ok: true };
    // Nothing to wait for (no error log with a restart line, no workers to watch): the quiet settle time is the answer.
    if (settled && !restarted && workersBefore.size === 0) return { ok: true };
    if (elapsed >= opts.timeoutMs) return { ok: true }; // no sign either way: the probes decide
  }
}
