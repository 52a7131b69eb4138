// Test helpers that run REAL nginx, lighttpd and Apache in temp prefixes on 127.0.0.1, each with a
// main config that includes a snippet directory, plus the echo FastCGI app and a tiny HTTP client.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { WebTarget } from "@/lib/protocol";
import { freePort } from "./free-port";
import { waitUntil } from "./wait";

export { freePort };

export type ServerKind = "nginx" | "lighttpd" | "apache";

export type RunningServer = {
  kind: ServerKind;
  port: number;
  prefix: string;
  snippetDir: string;
  mainConfig: string;
  errorLog: string;
  /** argv that validates the whole config (main + snippets), as the apply pipeline runs it. */
  testArgv: string[];
  /** argv that gracefully reloads the running server. */
  reloadArgv: string[];
  /** The master's pid file (the apply pipeline judges "still running" by it). */
  pidFile: string;
  /** argv that starts the server again as a daemon (after it stopped on a failed reload). */
  startArgv: string[];
  reload(): Promise<void>;
  stop(): Promise<void>;
};

const APACHE_MODULES = "/usr/lib/apache2/modules";
// The workers of every server run unprivileged, as in production, so socket and file modes matter.
const RUN_USER = "www-data";

/** uid/gid of the run user, from /etc/passwd (no extra dependency for one lookup). */
function runUserIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${RUN_USER}:`));
  const [, , uid, gid] = (line ?? "").split(":");
  return { uid: Number(uid ?? 33), gid: Number(gid ?? 33) };
}

export function makeTempDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `stoker-${label}-`));
  chmodSync(dir, 0o755); // workers (www-data) must reach sockets and static files inside
  return dir;
}


/** Writes the main config for `kind` into `prefix`; snippets are `snippetDir/*.conf`. */
/** The modules Debian's stock /etc/lighttpd/lighttpd.conf loads (no mod_fastcgi, mod_setenv or mod_accesslog). */
export const LIGHTTPD_STOCK_MODULES = ["mod_indexfile", "mod_access", "mod_alias", "mod_redirect"];
const LIGHTTPD_TEST_MODULES = ["mod_access", "mod_alias", "mod_rewrite", "mod_redirect", "mod_setenv", "mod_fastcgi", "mod_openssl", "mod_indexfile", "mod_staticfile", "mod_accesslog"];

export function writeMainConfig(kind: ServerKind, prefix: string, port: number, snippetDir: string, extraPorts: number[] = [], lighttpdModules = LIGHTTPD_TEST_MODULES): string {
  mkdirSync(snippetDir, { recursive: true });
  mkdirSync(path.join(prefix, "htdocs"), { recursive: true });
  const file = path.join(prefix, `${kind}.conf`);
  if (kind === "nginx") {
    mkdirSync(path.join(prefix, "tmp"), { recursive: true });
    writeFileSync(
      file,
      [
        `user ${RUN_USER};`,
        "worker_processes 1;",
        `pid ${prefix}/nginx.pid;`,
        `error_log ${prefix}/error.log warn;`,
        "events { worker_connections 512; }",
        "http {",
        "    access_log off;",
        "    include /etc/nginx/mime.types;",
        "    default_type application/octet-stream;",
        ...["client_body", "fastcgi", "proxy", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${prefix}/tmp/${t};`),
        // Requests for an unknown Host land here, so a Host mismatch shows up as 421, not as the app.
        `    server { listen 127.0.0.1:${port} default_server; return 421; }`,
        `    include ${snippetDir}/*.conf;`,
        "}",
        "",
      ].join("\n"),
    );
  } else if (kind === "lighttpd") {
    // lighttpd opens its error log after dropping privileges, so its log dir belongs to the run user.
    const { uid, gid } = runUserIds();
    for (const d of ["uploads", "logs"]) {
      mkdirSync(path.join(prefix, d), { recursive: true });
      chownSync(path.join(prefix, d), uid, gid);
    }
    writeFileSync(
      file,
      [
        `server.modules = ( ${lighttpdModules.map((m) => `"${m}"`).join(", ")} )`,
        `server.document-root = "${prefix}/htdocs"`,
        'server.bind = "127.0.0.1"',
        `server.port = ${port}`,
        `server.pid-file = "${prefix}/lighttpd.pid"`,
        `server.errorlog = "${prefix}/logs/error.log"`,
        `server.username = "${RUN_USER}"`,
        `server.groupname = "${RUN_USER}"`,
        `server.upload-dirs = ( "${prefix}/uploads" )`,
        'mimetype.assign = ( ".txt" => "text/plain", ".css" => "text/css", ".html" => "text/html" )',
        `include "${snippetDir}/*.conf"`,
        "",
      ].join("\n"),
    );
  } else {
    const mods = [
      ["mpm_event_module", "mod_mpm_event.so"],
      ["authz_core_module", "mod_authz_core.so"],
      ["authz_host_module", "mod_authz_host.so"],
      ["alias_module", "mod_alias.so"],
      ["mime_module", "mod_mime.so"],
      ["env_module", "mod_env.so"],
      ["proxy_module", "mod_proxy.so"],
      ["proxy_fcgi_module", "mod_proxy_fcgi.so"],
      ["rewrite_module", "mod_rewrite.so"],
      ["dir_module", "mod_dir.so"],
      ["headers_module", "mod_headers.so"],
      ["ssl_module", "mod_ssl.so"],
    ];
    writeFileSync(
      file,
      [
        ...mods.map(([name, so]) => `LoadModule ${name} ${APACHE_MODULES}/${so}`),
        `ServerRoot "${prefix}"`,
        `DefaultRuntimeDir "${prefix}"`,
        `PidFile "${prefix}/apache.pid"`,
        `ErrorLog "${prefix}/error.log"`,
        "LogLevel warn",
        `Mutex file:${prefix} default`,
        `User ${RUN_USER}`,
        `Group ${RUN_USER}`,
        `Listen 127.0.0.1:${port}`,
        // Sites may listen on more ports (TLS and its redirect); nginx and lighttpd open them per site.
        ...extraPorts.map((p) => `Listen 127.0.0.1:${p}`),
        "ServerName localhost",
        `DocumentRoot "${prefix}/htdocs"`,
        "TypesConfig /etc/mime.types",
        // Debian's hardening: nothing on disk is served unless a <Directory> grants it.
        "<Directory />",
        "    Require all denied",
        "</Directory>",
        // Requests for an unknown Host land in the first vhost, so (as with nginx) a Host mismatch
        // shows up as 421, not as the app.
        `<VirtualHost 127.0.0.1:${port}>`,
        "    ServerName default.invalid",
        "    RewriteEngine On",
        "    RewriteRule ^ - [R=421,L]",
        "</VirtualHost>",
        `IncludeOptional "${snippetDir}/*.conf"`,
        "",
      ].join("\n"),
    );
  }
  return file;
}

export function testArgvFor(kind: ServerKind, prefix: string, mainConfig: string): string[] {
  if (kind === "nginx") return ["/usr/sbin/nginx", "-t", "-q", "-p", prefix, "-c", mainConfig];
  if (kind === "lighttpd") return ["/usr/sbin/lighttpd", "-tt", "-f", mainConfig];
  return ["/usr/sbin/apache2", "-t", "-f", mainConfig];
}

/** Runs an argv and resolves with its exit code and combined output (never rejects). */
export function run(argv: string[], timeoutMs = 30_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return httpGet(port, "/", { timeoutMs: 500 }).then(
    () => true,
    () => false,
  );
}

/** Starts a real server of `kind` in the foreground on a free loopback port. */
export async function startWebServer(kind: ServerKind, label: string = kind, opts: { extraPorts?: number[]; lighttpdModules?: string[] } = {}): Promise<RunningServer> {
  const prefix = makeTempDir(label);
  const port = await freePort();
  const snippetDir = path.join(prefix, "sites");
  const mainConfig = writeMainConfig(kind, prefix, port, snippetDir, opts.extraPorts, opts.lighttpdModules);
  const argv =
    kind === "nginx"
      ? ["/usr/sbin/nginx", "-p", prefix, "-c", mainConfig, "-g", "daemon off;"]
      : kind === "lighttpd"
        ? ["/usr/sbin/lighttpd", "-D", "-f", mainConfig]
        : ["/usr/sbin/apache2", "-f", mainConfig, "-DFOREGROUND"];
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  try {
    await waitUntil(async () => exited || (await portAnswers(port)), 15_000, `${kind} on port ${port}`, 25);
  } catch (e) {
    child.kill("SIGKILL");
    rmSync(prefix, { recursive: true, force: true });
    throw e;
  }
  const errorLog = path.join(prefix, kind === "lighttpd" ? "logs/error.log" : "error.log");
  if (exited) {
    const log = existsSync(errorLog) ? readFileSync(errorLog, "utf8") : "";
    rmSync(prefix, { recursive: true, force: true });
    throw new Error(`${kind} exited at start: ${output}\n${log}`);
  }
  const pidFile = path.join(prefix, `${kind}.pid`);
  // Graceful reload by signal to the pid file's pid, as the init scripts do: HUP for nginx, USR1 for
  // lighttpd and Apache (nginx and Apache read the pid file themselves; lighttpd has no such verb).
  const reloadArgv =
    kind === "nginx"
      ? ["/usr/sbin/nginx", "-p", prefix, "-c", mainConfig, "-s", "reload"]
      : kind === "apache"
        ? ["/usr/sbin/apache2", "-f", mainConfig, "-k", "graceful"]
        : ["/bin/kill", "-USR1", String(child.pid ?? 0)];
  // Started again as a daemon: the foreground child is gone by then.
  const startArgv =
    kind === "nginx" ? ["/usr/sbin/nginx", "-p", prefix, "-c", mainConfig] : kind === "lighttpd" ? ["/usr/sbin/lighttpd", "-f", mainConfig] : ["/usr/sbin/apache2", "-f", mainConfig, "-k", "start"];
  const daemonPid = (): number | null => {
    try {
      const pid = Number.parseInt(readFileSync(pidFile, "utf8"), 10);
      if (pid > 0 && pid !== child.pid) process.kill(pid, 0);
      return pid > 0 && pid !== child.pid ? pid : null;
    } catch {
      return null;
    }
  };
  return {
    kind,
    port,
    prefix,
    snippetDir,
    mainConfig,
    errorLog,
    testArgv: testArgvFor(kind, prefix, mainConfig),
    reloadArgv,
    pidFile,
    startArgv,
    async reload() {
      const r = await run(reloadArgv);
      if (r.code !== 0) throw new Error(`reload failed: ${r.output}`);
      await new Promise((res) => setTimeout(res, 400));
    },
    async stop() {
      if (!exited) {
        // nginx and Apache stop gracefully on QUIT/WINCH, but TERM is immediate and enough here.
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exitPromise;
        clearTimeout(t);
      }
      // A server an apply started again runs as a daemon: stop it by its pid file.
      const daemon = daemonPid();
      if (daemon) {
        process.kill(daemon, "SIGTERM");
        for (let i = 0; i < 100 && daemonPid() === daemon; i++) await new Promise((r) => setTimeout(r, 50));
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

export type HttpAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/**
 * The apply target of a test server: the agent validates, writes and reloads THIS server's snippet
 * directory, never the host's /etc (an app removal re-applies its site, and a refused one keeps the app).
 */
export function webTargetOf(server: RunningServer, extra: WebTarget = {}): WebTarget {
  return { dir: server.snippetDir, validateArgv: server.testArgv, reloadArgv: server.reloadArgv, pidFile: server.pidFile, startArgv: server.startArgv, errorLog: server.errorLog, settleMs: 300, ...extra };
}

export function httpGet(
  port: number,
  urlPath: string,
  opts: { host?: string; method?: string; body?: Buffer; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Host: opts.host ?? "localhost", Connection: "close" };
    if (opts.body) {
      headers["Content-Length"] = opts.body.length;
      headers["Content-Type"] = "application/octet-stream";
    }
    // maxHeaderSize: tests send large response headers on purpose (Node's own limit is 16 KiB).
    const req = request({ host: "127.0.0.1", port, path: urlPath, method: opts.method ?? (opts.body ? "POST" : "GET"), headers, agent: false, maxHeaderSize: 1 << 20 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error("HTTP request timed out")));
    req.on("error", reject);
    req.end(opts.body);
  });
}

export type EchoApp = { socketPath: string; stop(): Promise<void> };

/** Starts examples/echo/echo.mjs on a Unix socket and waits until it listens. */
export async function startEcho(socketPath: string): Promise<EchoApp> {
  const script = path.join(import.meta.dirname, "../../examples/echo/echo.mjs");
  const child = spawn(process.execPath, [script, socketPath], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("echo app did not start")), 10_000);
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("listening")) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`echo app exited with ${code}`)));
  });
  return {
    socketPath,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A bounded load loop: `concurrency` workers send requests until `durationMs` passes. */
export async function loadLoop(
  send: () => Promise<HttpAnswer>,
  opts: { durationMs: number; concurrency: number; ok?: (a: HttpAnswer) => boolean },
): Promise<{ total: number; failed: number; failures: string[] }> {
  const until = Date.now() + opts.durationMs;
  const good = opts.ok ?? ((a: HttpAnswer) => a.status === 200);
  let total = 0;
  let failed = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (Date.now() < until) {
      total++;
      try {
        const a = await send();
        if (!good(a)) {
          failed++;
          if (failures.length < 10) failures.push(`status ${a.status}: ${a.body.toString().slice(0, 200)}`);
        }
      } catch (e) {
        failed++;
        if (failures.length < 10) failures.push(String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { total, failed, failures };
}
