// The app-spec pieces that run each fixture app in examples/apps/ (php, flask, perl, node), so
// supervision tests can say `specFor("php")` and know what every answer looks like.
import path from "node:path";
import type { AppSpec, AppSpecInput } from "../../lib/protocol/app-spec";

export const FIXTURE_APPS = ["php", "flask", "perl", "node", "flup"] as const;
export type FixtureApp = (typeof FIXTURE_APPS)[number];

export type FixtureSpec = {
  command: string[];
  env: Record<string, string>;
  fastcgiParams: Record<string, string>;
  stop: { signal: AppSpec["stop"]["signal"] };
};

export type FixtureOptions = {
  /** Shown as `version=` in every answer (APP_VERSION); "dev" when absent. */
  version?: string;
  /** Sets CRASH_ON_START=1: the app exits non-zero right at start, with a traceback on stderr. */
  crashOnStart?: boolean;
  /** Extra environment, merged last. */
  env?: Record<string, string>;
};

export const APPS_DIR = path.resolve(import.meta.dirname, "../../examples/apps");

/** The language word each app puts in its answer: `hello from <lang> pid=<pid> version=<v>`. */
export const FIXTURE_LANG: Record<FixtureApp, string> = { php: "php", flask: "python", perl: "perl", node: "node", flup: "python" };

function base(name: FixtureApp): FixtureSpec {
  switch (name) {
    case "php":
      return {
        // The wrapper execs /usr/bin/php-cgi; it exists only so CRASH_ON_START can fail at start.
        command: [path.join(APPS_DIR, "php/php-fcgi.sh")],
        // CHILDREN=0 (php-cgi's default, spelled out): this process serves itself, the agent runs N
        // of them. PHP_FCGI_MAX_REQUESTS stays at its default (500): the agent replaces a process
        // that exits after it at once (a recycle), so the fixture need not switch recycling off.
        env: { PHP_FCGI_CHILDREN: "0" },
        fastcgiParams: { SCRIPT_FILENAME: path.join(APPS_DIR, "php/index.php") },
        stop: { signal: "TERM" },
      };
    case "flask":
      return {
        // No --master: one process per agent slot, the pid in the answer is the supervised pid.
        // --need-app: without it an import error leaves uWSGI running with "no app loaded".
        command: [
          "/usr/bin/uwsgi",
          "--plugin",
          "python3",
          "--fastcgi-socket",
          "fd://0",
          "--wsgi-file",
          path.join(APPS_DIR, "flask/app.py"),
          "--need-app",
          "--die-on-term",
          "--disable-logging",
          "--strict",
        ],
        env: {},
        fastcgiParams: {},
        // A master-less uWSGI worker exits gracefully on HUP (finishes its request, exit 17);
        // INT and TERM end it at once, cutting a request in flight.
        stop: { signal: "HUP" },
      };
    case "perl":
      return { command: [path.join(APPS_DIR, "perl/hello.fcgi")], env: {}, fastcgiParams: {}, stop: { signal: "TERM" } };
    case "node":
      return { command: [process.execPath, path.join(APPS_DIR, "node/hello.mjs")], env: {}, fastcgiParams: {}, stop: { signal: "TERM" } };
    case "flup":
      // Like flup's threaded WSGIServer: on TERM it stops accepting and drops connections it
      // accepted but has not started.
      return { command: [path.join(APPS_DIR, "flup/threaded.fcgi")], env: {}, fastcgiParams: {}, stop: { signal: "TERM" } };
  }
}

export function specFor(name: FixtureApp, opts: FixtureOptions = {}): FixtureSpec {
  const spec = base(name);
  if (opts.version !== undefined) spec.env.APP_VERSION = opts.version;
  if (opts.crashOnStart) spec.env.CRASH_ON_START = "1";
  Object.assign(spec.env, opts.env ?? {});
  return spec;
}

/**
 * Tests run as root on CI: they name root explicitly (an omitted user never means root) and are
 * saved by the owner, or handed to the supervisor with the owner's approval (lib/protocol/run-as.ts).
 */
export const RUN_AS: { user?: string } = process.getuid?.() === 0 ? { user: "root" } : {};

/** A whole AppSpec input for a fixture on a Unix socket: tests add or override the rest. */
export function appSpecFor(
  name: FixtureApp,
  socketPath: string,
  extra: Partial<AppSpecInput> & FixtureOptions = {},
): AppSpecInput {
  const { version, crashOnStart, env, ...rest } = extra;
  return { name: `fixture-${name}`, hostId: "test-host", socket: { path: socketPath }, ...RUN_AS, ...specFor(name, { version, crashOnStart, env }), ...rest };
}

export type FixtureAnswer = { lang: string; pid: number; version: string };

/** Parses one fixture answer body; null if the body is not one (e.g. an nginx 502 page). */
export function parseAnswer(body: string): FixtureAnswer | null {
  const m = /^hello from (\w+) pid=(\d+) version=(\S+)$/.exec(body.trim());
  return m ? { lang: m[1] ?? "", pid: Number(m[2]), version: m[3] ?? "" } : null;
}
