// ACME certificates for `web.tls.acme`: where a site's webroot and certificate live under the
// agent's state dir, a placeholder certificate so the server can start the TLS site before the
// CA has answered, and certbot in webroot mode (argv, never a shell) to obtain the real one.
// The rendered config always names the same two files; obtaining a certificate replaces them.
import { execFile } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import type { AcmeSpec } from "../../lib/protocol/web-spec";
import { err, ok, type Result } from "../../lib/protocol/result";

/** Let's Encrypt's production directory: the CA certbot uses when a spec names none. */
export const DEFAULT_ACME_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";

export type AcmePaths = {
  /** Served at /.well-known/acme-challenge/ on the site's plain-HTTP port; certbot writes tokens here. */
  webroot: string;
  certificate: string;
  key: string;
  /** certbot's own --config-dir, --work-dir and --logs-dir. */
  certbotDir: string;
};

/** Everything ACME for one server name lives under `<stateDir>/acme/`. Pure. */
export function acmePaths(stateDir: string, serverName: string): AcmePaths {
  const root = path.join(stateDir, "acme");
  return {
    webroot: path.join(root, "webroot"),
    certificate: path.join(root, "certs", serverName, "fullchain.pem"),
    key: path.join(root, "certs", serverName, "privkey.pem"),
    certbotDir: path.join(root, "certbot"),
  };
}

/**
 * The web servers' worker group (Debian: www-data). lighttpd loads the key again on a graceful
 * restart after dropping privileges, so the key and its directory belong to this group (0640/0750),
 * as Debian's ssl-cert group arranges it for /etc/ssl/private.
 */
function workerGid(): number | null {
  try {
    const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith("www-data:"));
    const gid = Number(line?.split(":")[2]);
    return Number.isInteger(gid) ? gid : null;
  } catch {
    return null;
  }
}

/** Key 0640 and its directory 0750, group = the workers' group when running as root. */
function shareWithWorkers(paths: AcmePaths): void {
  const gid = process.getuid?.() === 0 ? workerGid() : null;
  const certDir = path.dirname(paths.certificate);
  if (gid !== null) {
    chownSync(certDir, 0, gid);
    chownSync(paths.key, 0, gid);
  }
  chmodSync(certDir, 0o750);
  chmodSync(paths.key, 0o640);
}

type Run = { code: number; output: string };

function run(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(argv[0] ?? "", argv.slice(1), { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && typeof error.code !== "number" ? `${error.message}\n` : ""}` });
    });
  });
}

/**
 * Makes the webroot, and a one-day self-signed certificate at the rendered paths if none is there
 * yet: nginx, lighttpd and Apache all refuse a TLS site whose certificate file is missing, and the
 * plain-HTTP port that answers the CA's challenge is in the same config.
 */
export async function ensurePlaceholder(paths: AcmePaths, serverName: string): Promise<Result<"existing" | "placeholder">> {
  mkdirSync(path.join(paths.webroot, ".well-known", "acme-challenge"), { recursive: true, mode: 0o755 });
  if (existsSync(paths.certificate) && existsSync(paths.key)) return ok("existing");
  // certs/ is traversable (0755); each name's directory is the workers' group's only (shareWithWorkers).
  mkdirSync(path.dirname(path.dirname(paths.certificate)), { recursive: true, mode: 0o755 });
  mkdirSync(path.dirname(paths.certificate), { recursive: true, mode: 0o750 });
  const argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${serverName}`, "-keyout", paths.key, "-out", paths.certificate];
  const r = await run(argv, process.env, 30_000);
  if (r.code !== 0) return err("FAILED", `Could not make a placeholder certificate for ${serverName}: ${r.output.trim().slice(-500)}`);
  shareWithWorkers(paths);
  return ok("placeholder");
}

export type ObtainOptions = {
  stateDir: string;
  serverName: string;
  acme: AcmeSpec;
  /** Extra environment for certbot, e.g. REQUESTS_CA_BUNDLE for a test CA. */
  env?: Record<string, string>;
  timeoutMs?: number;
};

const CERTBOT_CRASH = /An unexpected error occurred:\s*AttributeError/;

/** certbot's argv for one name: webroot mode, non-interactive, every file under the state dir. */
export function certbotArgv(o: ObtainOptions): string[] {
  const p = acmePaths(o.stateDir, o.serverName);
  return [
    "certbot",
    "certonly",
    "--webroot",
    "-w",
    p.webroot,
    "-d",
    o.serverName,
    "--server",
    o.acme.directory ?? DEFAULT_ACME_DIRECTORY,
    "--non-interactive",
    "--agree-tos",
    ...(o.acme.email ? ["--email", o.acme.email] : ["--register-unsafely-without-email"]),
    // Renews only when due: a second apply does not ask the CA again (rate limits).
    "--keep-until-expiring",
    "--config-dir",
    path.join(p.certbotDir, "config"),
    "--work-dir",
    path.join(p.certbotDir, "work"),
    "--logs-dir",
    path.join(p.certbotDir, "logs"),
  ];
}

/**
 * Runs certbot (the site must already answer /.well-known/acme-challenge/ from the webroot on its
 * plain-HTTP port) and puts the certificate and key at the rendered paths; the caller reloads.
 */
export async function obtainCertificate(o: ObtainOptions): Promise<Result<{ certificate: string; key: string }>> {
  const p = acmePaths(o.stateDir, o.serverName);
  const made = await ensurePlaceholder(p, o.serverName);
  if (!made.ok) return made;
  // Under the control plane's 120 s wait for an apply (lib/webconfig), with room for the reload.
  const certbot = () => run(certbotArgv(o), { ...process.env, ...o.env }, o.timeoutMs ?? 90_000);
  let r = await certbot();
  // certbot before 2.3 on Python 3.11+ crashes with "An unexpected error occurred: AttributeError"
  // on any ACME error it would have retried, a CA's badNonce among them (certbot#9539): one more try.
  if (r.code !== 0 && CERTBOT_CRASH.test(r.output)) r = await certbot();
  if (r.code !== 0) {
    return err("FAILED", `certbot could not obtain a certificate for ${o.serverName} (exit ${r.code}): ${r.output.trim().slice(-1500)}`);
  }
  const live = path.join(p.certbotDir, "config", "live", o.serverName);
  // Copy beside, then rename: a reload never reads a half-written certificate or a new cert with the old key.
  for (const [from, to] of [
    [path.join(live, "privkey.pem"), p.key],
    [path.join(live, "fullchain.pem"), p.certificate],
  ] as const) {
    if (!existsSync(from)) return err("FAILED", `certbot reported success but ${from} is missing.`);
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  }
  shareWithWorkers(p);
  return ok({ certificate: p.certificate, key: p.key });
}
