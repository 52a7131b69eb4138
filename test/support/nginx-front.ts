// A real nginx on a free 127.0.0.1 port that fastcgi_passes every request to one FastCGI socket.
// Everything (config, pid, logs, temp dirs) lives in a temp prefix that stop() removes.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./free-port";

export type NginxFrontOptions = {
  /** "unix:/abs/path.sock" or "tcp:127.0.0.1:9000". */
  socket: string;
  /** Extra fastcgi_param lines, e.g. { SCRIPT_FILENAME: "/srv/app/index.php" }. */
  params?: Record<string, string>;
  workers?: number;
  nginxBinary?: string;
};

export type NginxFront = {
  url: string;
  port: number;
  prefix: string;
  errorLog: string;
  /** Contents of the error log so far ("" if none). */
  readErrorLog(): string;
  /** The error log's lines at level error, crit or alert so far: what a failed request leaves. */
  errorLines(): string[];
  stop(): Promise<void>;
};

// Whatever lands in the config: no quotes, braces, `;`, `$`, `#`, whitespace or control characters.
const SAFE_VALUE = /^[A-Za-z0-9._/:@%+=,~-]*$/;
const SAFE_NAME = /^[A-Z][A-Z0-9_]*$/;


function upstream(socket: string): string {
  if (socket.startsWith("unix:/")) {
    const p = socket.slice(5);
    if (!SAFE_VALUE.test(p)) throw new Error(`Unsafe socket path for nginx config: ${p}`);
    return `unix:${p}`;
  }
  const m = /^tcp:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):(\d{1,5})$/.exec(socket);
  if (!m) throw new Error(`Use "unix:/path" or "tcp:127.0.0.1:PORT" (loopback only), not ${socket}`);
  return `${m[1]}:${m[2]}`;
}

export function nginxFrontConfig(prefix: string, port: number, opts: NginxFrontOptions): string {
  const params = Object.entries(opts.params ?? {}).map(([k, v]) => {
    if (!SAFE_NAME.test(k) || !SAFE_VALUE.test(v)) throw new Error(`Unsafe fastcgi_param ${k}=${v}`);
    return `      fastcgi_param ${k} ${v === "" ? '""' : v};`;
  });
  return nginxMainConfig(prefix, opts.workers ?? 1, `  server {
    listen 127.0.0.1:${port};
    location / {
      include /etc/nginx/fastcgi_params;
${params.join("\n")}
      fastcgi_pass ${upstream(opts.socket)};
    }
  }`);
}

/**
 * nginx's main config for a test instance under `prefix` (pid, error log and temp paths all inside it)
 * with `http` holding `httpBody`.
 */
export function nginxMainConfig(prefix: string, workers: number, httpBody: string): string {
  const p = (rel: string) => path.join(prefix, rel);
  // As root, workers would drop to nobody, who cannot reach sockets in root-owned temp dirs.
  const user = process.getuid?.() === 0 ? "user root root;" : "";
  return `${user}
worker_processes ${workers};
pid ${p("nginx.pid")};
error_log ${p("logs/error.log")} info;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${p("tmp/client")};
  fastcgi_temp_path ${p("tmp/fastcgi")};
  proxy_temp_path ${p("tmp/proxy")};
  uwsgi_temp_path ${p("tmp/uwsgi")};
  scgi_temp_path ${p("tmp/scgi")};
${httpBody}
}
`;
}

/** Resolves once nginx answers any HTTP status (a 502 still proves nginx is up). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
}

type Render = (prefix: string, port: number) => string;

async function startOnce(prefix: string, render: Render, opts: { nginxBinary?: string }): Promise<NginxFront | { retry: string }> {
  const port = await freePort();
  const conf = path.join(prefix, "nginx.conf");
  const errorLog = path.join(prefix, "logs/error.log");
  writeFileSync(conf, render(prefix, port));
  // -e: nginx writes startup errors before it reads the config; keep them out of /var/log/nginx.
  const child = spawn(opts.nginxBinary ?? "nginx", ["-p", prefix, "-c", conf, "-e", errorLog, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const readErrorLog = () => {
    try {
      return readFileSync(errorLog, "utf8");
    } catch {
      return "";
    }
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const why = `${stderr}\n${readErrorLog()}`;
      // Another process can grab the port between freePort() and nginx's bind: try a new one.
      if (why.includes("Address already in use")) return { retry: why };
      throw new Error(`nginx exited with ${child.exitCode}: ${why.trim()}`);
    }
    if (await answers(port)) {
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        prefix,
        errorLog,
        readErrorLog,
        errorLines: () => readErrorLog().split("\n").filter((l) => /\[(error|crit|alert)\]/.test(l)),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGQUIT"); // graceful: finish open requests
            const t = setTimeout(() => child.kill("SIGKILL"), 5000);
            await exited(child);
            clearTimeout(t);
          }
          rmSync(prefix, { recursive: true, force: true });
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  await exited(child);
  throw new Error(`nginx did not answer on 127.0.0.1:${port} within 10 s: ${readErrorLog()}`);
}

export async function startNginxFront(opts: NginxFrontOptions): Promise<NginxFront> {
  return startNginx((prefix, port) => nginxFrontConfig(prefix, port, opts), opts);
}

/** A real nginx on a free port with the config `render` writes for its prefix and port. */
export async function startNginx(render: Render, opts: { nginxBinary?: string } = {}): Promise<NginxFront> {
  const prefix = mkdtempSync(path.join(tmpdir(), "stoker-nginx-front-"));
  for (const d of ["logs", "tmp"]) mkdirSync(path.join(prefix, d), { recursive: true });
  let last = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await startOnce(prefix, render, opts).catch((e: unknown) => {
      rmSync(prefix, { recursive: true, force: true });
      throw e;
    });
    if (!("retry" in r)) return r;
    last = r.retry;
  }
  rmSync(prefix, { recursive: true, force: true });
  throw new Error(`nginx could not bind a free port: ${last}`);
}
