// Turns what discovery found for one socket (processes, web config, service config) into an app
// spec as POST /api/v1/apps takes it: command, cwd, user, env from the process (or the service),
// the socket as it is, the mount from the web config. Checked against the spec schema; a part that
// does not fit is left out and said in the source.
import { existsSync, lstatSync } from "node:fs";
import path from "node:path";
import { AppSpecSchema, EnvNameSchema, fieldErrors } from "../../lib/protocol";
import { lookupGroup, lookupUser } from "../supervisor/users";
import type { ProcInfo } from "./proc-listeners";
import type { ServiceConfig } from "./service-configs";
import type { WebTarget } from "./web-target";

/** Variables a login, a shell, a terminal or a service manager sets: not the app's own (app-env.ts sets its base). */
const NOT_THE_APPS = /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|PWD|OLDPWD|SHLVL|_|TERM|SHELL|MAIL|HOSTNAME|DISPLAY|COLUMNS|LINES|EDITOR|PAGER|LS_COLORS|TERMCAP|WINDOW|STY|TZ|LC_\w+|SSH_\w+|XDG_\w+|TMUX\w*|LESS\w*|SUPERVISOR_\w+|LISTEN_\w+|NOTIFY_SOCKET|INVOCATION_ID|JOURNAL_STREAM|SYSTEMD_\w+|MANAGERPID|PYTHONUNBUFFERED|SUDO_\w+|MOTD_SHOWN|DEBIAN_FRONTEND|container|npm_\w+|NODE_\w+|VITEST\w*)$/;
const MAX_ENV = 64;

export type Found = {
  address: string;
  bind: "agent" | "app";
  pids: number[];
  proc: ProcInfo | null;
  service: ServiceConfig | null;
  web: WebTarget[];
};

export function appEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (Object.keys(out).length >= MAX_ENV) break;
    if (NOT_THE_APPS.test(k) || !EnvNameSchema.safeParse(k).success || v.length > 4096 || /[\u0000-\u001f]/.test(v)) continue;
    out[k] = v;
  }
  return out;
}

/** An app name from a hint: lowercase letters, digits and dashes, at most 63. */
export function appName(hint: string): string {
  const n = hint.toLowerCase().replace(/\.(sock|socket|fcgi|service)$/, "").replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
  return /^[a-z0-9]/.test(n) ? n : `app-${n}`.slice(0, 63).replace(/-+$/, "") || "app";
}

/** The command as it was started; a rewritten process title ("php-fpm: master process …") → the executable. */
function commandOf(proc: ProcInfo): string[] {
  const [first] = proc.argv;
  const plausible = first && !/[\s:()]/.test(first) && (!first.includes("/") || existsSync(path.resolve(proc.cwd ?? "/", first)));
  return plausible ? proc.argv : [proc.exe ?? first];
}

function socketOf(f: Found): Record<string, unknown> {
  if (f.address.startsWith("tcp:")) {
    let tcp = f.address.slice(4);
    if (tcp.startsWith("[::]:")) tcp = `0.0.0.0:${tcp.slice(5)}`;
    const loopback = /^(127\.|\[::1\])/.test(tcp);
    return { tcp, bind: f.bind, ...(loopback ? {} : { allowRemote: true }) };
  }
  const file = f.address.slice(5);
  const out: Record<string, unknown> = { path: file, bind: f.bind };
  try {
    const st = lstatSync(file);
    const owner = lookupUser(st.uid)?.name;
    const group = lookupGroup(st.gid)?.name;
    if (owner) out.owner = owner;
    if (group) out.group = group;
    // As it is, but never world-writable (the spec refuses it; the restart's socket gets this mode).
    out.mode = `0${(st.mode & 0o775).toString(8).padStart(3, "0")}`;
  } catch {
    // not there yet (configured, not running)
  }
  return out;
}

function webOf(t: WebTarget): Record<string, unknown> {
  return {
    server: t.server,
    serverName: t.serverName ?? "localhost",
    listen: t.listen ?? 80,
    mount: t.mount,
    ...(t.documentRoot && !t.documentRoot.includes("$") ? { documentRoot: t.documentRoot } : {}),
  };
}

export function proposeSpec(f: Found, name: string): { spec: Record<string, unknown>; notes: string[] } {
  const notes: string[] = [];
  const spec: Record<string, unknown> = { name };
  const s = f.service;
  if (f.proc) {
    spec.command = commandOf(f.proc);
    if (f.proc.cwd) spec.cwd = f.proc.cwd;
    const user = f.proc.uid !== null ? lookupUser(f.proc.uid) : null;
    if (user) spec.user = user.name;
    const group = f.proc.gid !== null ? lookupGroup(f.proc.gid) : null;
    if (group && group.gid !== user?.gid) spec.group = group.name;
    spec.env = appEnv(f.proc.env);
  } else if (s) {
    spec.command = s.command;
    if (s.cwd) spec.cwd = s.cwd;
    if (s.user) spec.user = s.user;
    if (s.group) spec.group = s.group;
    spec.env = appEnv(s.env);
  }
  spec.processes = f.bind === "agent" ? Math.max(f.pids.length, s?.numprocs ?? 1) : 1;
  spec.socket = socketOf(f);
  const web = f.web[0];
  if (web?.scriptFilename) spec.fastcgiParams = { SCRIPT_FILENAME: web.scriptFilename };
  if (web) spec.web = webOf(web);
  if (f.web.length > 1) notes.push(`${f.web.length} web-server locations use this socket; the spec mounts the first`);
  let parsed = AppSpecSchema.safeParse({ ...spec, hostId: "discovered" });
  for (const part of ["web", "fastcgiParams", "env", "cwd", "group"] as const) {
    if (parsed.success) break;
    const issues = fieldErrors(parsed.error).filter((e) => e.path === part || e.path.startsWith(`${part}.`));
    if (!issues.length || !(part in spec)) continue;
    notes.push(`${part} left out (${issues[0].message})`);
    delete spec[part];
    parsed = AppSpecSchema.safeParse({ ...spec, hostId: "discovered" });
  }
  if (!parsed.success) notes.push(`edit before import: ${fieldErrors(parsed.error).map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  return { spec, notes };
}
