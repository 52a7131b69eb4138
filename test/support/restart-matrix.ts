// The app kinds of the restart matrix (issue 15), each at its defaults, and the checks every case
// ends with: no process of the app paused, and none outside the live generation on its sockets.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stagedGeneration } from "@/agent/supervisor/app-socket";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp } from "@/lib/protocol";
import { RUN_AS } from "./fixture-apps";
import { type NginxFront, startNginxFront } from "./nginx-front";
import { readProcStat } from "@/agent/supervisor/proc-stats";
import { holdersOf, listenersNamed } from "@/agent/supervisor/socket-use";
import type { AppSpecInput } from "@/lib/protocol/app-spec";
import { APPS_DIR, appSpecFor } from "./fixture-apps";
import { isLogKeeper } from "./log-keeper";
import { waitUntil } from "./wait";

export type MatrixKind = {
  name: string;
  /** The app binds the socket itself (socket.bind "app"): one process, no fd-0 socket. */
  appBound?: boolean;
  spec(sock: string): AppSpecInput & { fastcgiParams: Record<string, string>; env: Record<string, string>; socket: { path: string; bind?: "app" | "agent" } };
};

const PHP_INDEX = path.join(APPS_DIR, "php/index.php");
const fixture = (name: Parameters<typeof appSpecFor>[0]) => (sock: string) => ({ ...appSpecFor(name, sock), env: {}, fastcgiParams: appSpecFor(name, sock).fastcgiParams ?? {}, socket: { path: sock } });

export const MATRIX_KINDS: MatrixKind[] = [
  // php-cgi exactly as installed: PHP_FCGI_MAX_REQUESTS defaults to 500, no children.
  { name: "php", spec: (sock) => ({ name: "php", hostId: "test-host", command: ["/usr/bin/php-cgi"], env: {}, fastcgiParams: { SCRIPT_FILENAME: PHP_INDEX }, socket: { path: sock } }) },
  // A prefork master: its children accept on the same fd 0.
  { name: "php-children", spec: (sock) => ({ name: "php-children", hostId: "test-host", command: ["/usr/bin/php-cgi"], env: { PHP_FCGI_CHILDREN: "2" }, fastcgiParams: { SCRIPT_FILENAME: PHP_INDEX }, socket: { path: sock } }) },
  { name: "flup", spec: fixture("flup") },
  // uWSGI as started by hand, no --master: TERM (the spec's default stop signal) ends it.
  {
    name: "uwsgi",
    spec: (sock) => ({
      name: "uwsgi",
      hostId: "test-host",
      command: ["/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", "fd://0", "--wsgi-file", path.join(APPS_DIR, "flask/app.py")],
      env: {},
      fastcgiParams: {},
      socket: { path: sock },
    }),
  },
  { name: "node", spec: fixture("node") },
  { name: "perl", spec: fixture("perl") },
  // A Perl FCGI prefork master: it forks 3 workers that accept on fd 0, and never serves itself.
  {
    name: "perl-prefork",
    spec: (sock) => ({ name: "perl-prefork", hostId: "test-host", command: [path.join(APPS_DIR, "perl/prefork.fcgi")], env: {}, fastcgiParams: {}, socket: { path: sock } }),
  },
  // flup's WSGIServer(app, bindAddress=PATH): the app binds the socket itself, replacing the file.
  {
    name: "app-bound",
    appBound: true,
    spec: (sock) => ({ ...fixture("flup")(sock), name: "app-bound", env: { BIND_ADDRESS: sock }, socket: { path: sock, bind: "app" } }),
  },
];

/**
 * `php-cgi -b PATH` (the README's example of `socket.bind: "app"`) at its defaults: it owns its
 * listening socket and exits after PHP_FCGI_MAX_REQUESTS (500) requests, with clients queued on it.
 * Not in MATRIX_KINDS (it runs one process): restart-matrix adds it to its whole-app restarts, where
 * they meet its recycles; restart-matrix-exits tests its recycles and a crash.
 */
export const PHP_BOUND: MatrixKind = {
  name: "php-bound",
  appBound: true,
  spec: (sock) => ({
    name: "php-bound",
    hostId: "test-host",
    command: ["/usr/bin/php-cgi", "-b", sock],
    env: { PHP_FCGI_CHILDREN: "0" },
    fastcgiParams: { SCRIPT_FILENAME: PHP_INDEX },
    socket: { path: sock, bind: "app" },
  }),
};

export function matrixDir(prefix: string): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function parentOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/**
 * Problems left on an app's sockets: a process holding one that is neither one of `pids` nor their
 * descendant (an orphaned generation), or any holder that is stopped (state T).
 */
export async function noStrayProcesses(sock: string, pids: number[], agentPid?: number): Promise<string[]> {
  const listeners = listenersNamed((name) => name === sock || stagedGeneration(sock, name) !== null);
  const problems: string[] = [];
  for (const h of holdersOf(new Set(listeners.keys()))) {
    if (h.pid === agentPid) continue; // the agent holds every socket it owns
    if (isLogKeeper(h.pid)) continue; // and its log keeper a copy, to replace processes while the agent is away (standby.ts)
    let p = h.pid;
    while (p > 1 && !pids.includes(p)) p = parentOf(p);
    if (p <= 1) problems.push(`stray ${h.pid} holds ${listeners.get(h.inode)}`);
    const state = readProcStat(h.pid)?.state;
    if (state === "T" || state === "t") problems.push(`${h.pid} is stopped`);
  }
  return problems;
}

/**
 * noStrayProcesses once it is empty, or its last answer after `timeoutMs`: an old generation's
 * prefork children end a moment after their master (each on its own exit), so a stray is one still
 * there at the bound. `pids` is read again at each look (a recycle may replace a live process).
 */
export async function straysAfter(sock: string, pids: () => number[], timeoutMs: number): Promise<string[]> {
  let strays: string[] = [];
  const settled = async () => {
    strays = await noStrayProcesses(sock, pids());
    return strays.length === 0;
  };
  await waitUntil(settled, timeoutMs, `no stray on ${sock}`).catch(() => undefined);
  return strays;
}

export function desiredApp(spec: object, revision = 1): DesiredApp {
  // Named explicitly and approved, as an owner's save would be: an omitted user never means root.
  const parsed = AppSpecSchema.parse({ ...RUN_AS, ...spec });
  return { appId: parsed.name, revision, desired: "running", spec: parsed, rootApproved: true };
}

export type ServedKind = { sock: string; spec: ReturnType<MatrixKind["spec"]>; supervisor: Supervisor; app: DesiredApp; nginx: NginxFront };

/** Runs a kind (2 processes, or 1 if it binds its own socket) under an in-process Supervisor behind a real nginx. */
export async function serveKind(kind: MatrixKind, dir: string, cleanups: (() => Promise<void> | void)[]): Promise<ServedKind> {
  const sock = path.join(dir, `${kind.name}.sock`);
  const spec = { ...kind.spec(sock), name: `m-${kind.name}`, processes: kind.appBound ? 1 : 2 };
  const supervisor = new Supervisor({ stateDir: path.join(dir, `state-${kind.name}`), socketDirs: [dir] });
  const app = desiredApp(spec);
  const put = await supervisor.put(app);
  if (!put.ok) throw new Error(`${kind.name} did not start: ${JSON.stringify(put)}`);
  const nginx = await startNginxFront({ socket: `unix:${sock}`, params: spec.fastcgiParams });
  cleanups.push(async () => {
    await supervisor.execute({ op: "app.remove", appId: app.appId });
    await nginx.stop();
  });
  return { sock, spec, supervisor, app, nginx };
}
