// Renders an app's php-fpm configuration (pure): a minimal [global] of ours (foreground, log to
// stderr, which the agent stores as the app's log, so nothing under /etc/php is read or written)
// and one pool from the spec's `fpm` section. The pool "listens" on a key that names no file: the
// agent hands its own socket over through FPM_SOCKETS under that key (fpm-launch.ts).
import { DEFAULT_FPM_STATUS_PATH, dynamicCounts, type FpmPool } from "../../lib/protocol";

/** The address php-fpm matches against FPM_SOCKETS. Under /dev/null, so it can never exist: php-fpm unlinks a Unix key when it exits. */
export function inheritKey(appId: string): string {
  return `/dev/null/stoker-${appId}`;
}

export function statusPathOf(pool: FpmPool): string {
  return pool["pm.status_path"] ?? DEFAULT_FPM_STATUS_PATH;
}

const PRINTABLE = /^[\x20-\x7e]*$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.]*(\[[A-Za-z0-9_.]+\])?$/;

// The schema already refuses what could leave its line; a renderer re-checks what it writes (DESIGN decision 4).
function checked(key: string, text: string): void {
  if (!KEY.test(key) || !PRINTABLE.test(text) || /["$\\]/.test(text)) throw new Error(`Refusing to render the php-fpm directive ${JSON.stringify(key)}.`);
}

function line(key: string, value: string | number | boolean): string {
  const text = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
  checked(key, text);
  return `${key} = ${text}`;
}

/** A PHP ini value, in quotes: spaces, `;` and `=` stay part of it. */
function quoted(key: string, value: string): string {
  checked(key, value);
  return `${key} = "${value}"`;
}

const DIRECTIVES = [
  "pm.max_spawn_rate",
  "pm.process_idle_timeout",
  "pm.max_requests",
  "ping.path",
  "ping.response",
  "request_terminate_timeout",
  "request_slowlog_timeout",
  "request_slowlog_trace_depth",
  "rlimit_files",
  "rlimit_core",
  "security.limit_extensions",
] as const;

/**
 * The whole configuration file. `asRoot`: the master runs as root (an owner-approved root app),
 * where php-fpm requires the pool's user; otherwise the master already is the app's user.
 * `stopTimeoutMs`: the spec's stop timeout, the grace a reload gives requests in flight.
 */
export function renderFpmConfig(appId: string, poolName: string, pool: FpmPool, asRoot: boolean, stopTimeoutMs: number): string {
  const out = [
    "; Rendered by the Stoker agent from the app's spec; edits here are overwritten.",
    "[global]",
    "error_log = /proc/self/fd/2",
    "log_level = notice",
    "daemonize = no",
    // How long a reload (SIGUSR2) lets children finish their request after SIGQUIT. php-fpm's
    // default, 0, sends SIGTERM at once, which cuts requests in flight (measured: 502s under load).
    line("process_control_timeout", `${Math.max(1, Math.ceil(stopTimeoutMs / 1000))}s`),
    "",
    `[${poolName}]`,
    line("listen", inheritKey(appId)),
  ];
  if (asRoot) out.push("user = root", "group = root");
  out.push(line("pm", pool.pm), line("pm.max_children", pool["pm.max_children"]));
  if (pool.pm === "dynamic") {
    const c = dynamicCounts(pool);
    out.push(line("pm.start_servers", c.start), line("pm.min_spare_servers", c.minSpare), line("pm.max_spare_servers", c.maxSpare));
  }
  for (const key of DIRECTIVES) {
    const v = pool[key];
    if (v !== undefined) out.push(line(key, v));
  }
  out.push(line("pm.status_path", statusPathOf(pool)));
  // Slow-request traces are written by the master: to its stderr, so they land in the app's log.
  if (pool.request_slowlog_timeout !== undefined) out.push("slowlog = /proc/self/fd/2");
  out.push(line("catch_workers_output", pool.catch_workers_output), line("decorate_workers_output", pool.decorate_workers_output), line("clear_env", pool.clear_env));
  for (const map of ["php_value", "php_flag", "php_admin_value", "php_admin_flag"] as const) {
    for (const [name, value] of Object.entries(pool[map])) out.push(quoted(`${map}[${name}]`, value));
  }
  return `${out.join("\n")}\n`;
}
