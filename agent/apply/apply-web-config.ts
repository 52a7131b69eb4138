// Puts a rendered web-server snippet live without ever leaving a broken config behind:
// write candidate → validate with the real binary → swap → reload → probe, restoring the
// previous file (and reloading again) on any failure. Commands are argv arrays, never a shell.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, open, readFile, rename, unlink } from "node:fs/promises";
import { request } from "node:http";
import path from "node:path";
import type { WebServer } from "../../lib/protocol";

export type ApplyStep = "write" | "validate" | "swap" | "reload" | "probe" | "done";

export type ApplyTarget = {
  server: WebServer;
  /** The include directory the main config reads (`*.conf`). */
  dir: string;
  /** The snippet's file name inside `dir`, e.g. stoker-hello.conf. */
  fileName: string;
  /** Validates the whole config (main + snippets), e.g. ["nginx", "-t"]. */
  validateArgv: string[];
  /** Gracefully reloads the running server, e.g. ["nginx", "-s", "reload"]. */
  reloadArgv: string[];
  /** Wait after a reload before probing: reload commands return before workers switch over. */
  settleMs?: number;
  commandTimeoutMs?: number;
};

export type ProbeSpec = {
  /** An http:// URL through the web server, e.g. http://127.0.0.1/yourapplication/. */
  url: string;
  /** Host header to send (the site's serverName). */
  host?: string;
  /** Keep trying for this long before calling the probe failed (a reload may still be settling). */
  timeoutMs?: number;
  /** Which statuses count as healthy; default: anything below 500 (502/503/504 mean no app). */
  healthy?: (status: number) => boolean;
};

export type ApplyOutcome = {
  ok: boolean;
  /** The last step reached: "done" on success, otherwise the step that failed. */
  step: ApplyStep;
  message: string;
  validatorOutput: string;
  probe: { status: number; ms: number } | null;
  rolledBack: boolean;
};

type ServerDefaults = Omit<ApplyTarget, "fileName">;

/** Where Debian's packages look for snippets and how their init scripts test and reload. */
export const DEBIAN_DEFAULTS: Record<WebServer, ServerDefaults> = {
  nginx: { server: "nginx", dir: "/etc/nginx/conf.d", validateArgv: ["nginx", "-t"], reloadArgv: ["nginx", "-s", "reload"] },
  lighttpd: {
    server: "lighttpd",
    dir: "/etc/lighttpd/conf-enabled",
    validateArgv: ["lighttpd", "-tt", "-f", "/etc/lighttpd/lighttpd.conf"],
    reloadArgv: ["systemctl", "reload", "lighttpd"],
  },
  apache: {
    server: "apache",
    dir: "/etc/apache2/sites-enabled",
    validateArgv: ["apache2ctl", "-t"],
    reloadArgv: ["apache2ctl", "graceful"],
  },
};

export function debianTarget(server: WebServer, fileName: string, overrides: Partial<ServerDefaults> = {}): ApplyTarget {
  return { ...DEBIAN_DEFAULTS[server], ...overrides, fileName };
}

// One apply at a time per file: two interleaved applies could restore each other's candidates.
const locks = new Map<string, Promise<unknown>>();

export function applyWebConfig(target: ApplyTarget, text: string, probe: ProbeSpec): Promise<ApplyOutcome> {
  const key = path.join(target.dir, target.fileName);
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(() => applyLocked(target, text, probe));
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return run;
}

async function applyLocked(target: ApplyTarget, text: string, probeSpec: ProbeSpec): Promise<ApplyOutcome> {
  const live = path.join(target.dir, target.fileName);
  // Hidden and not ending in .conf, so no include glob ever picks the candidate up by itself.
  const candidate = path.join(target.dir, `.${target.fileName}.stoker-candidate`);
  const timeout = target.commandTimeoutMs ?? 30_000;
  const previousText = await readFile(live, "utf8").catch(() => null);
  const result = (step: ApplyStep, ok: boolean, message: string, extra: Partial<ApplyOutcome> = {}): ApplyOutcome => ({
    ok,
    step,
    message,
    validatorOutput: "",
    probe: null,
    rolledBack: false,
    ...extra,
  });

  // write: the full candidate, flushed, beside the live file (same filesystem → atomic rename).
  try {
    await writeDurably(candidate, text);
  } catch (e) {
    await unlink(candidate).catch(() => undefined);
    return result("write", false, `Could not write the candidate config in ${target.dir}: ${errorCode(e)}.`);
  }

  // validate: stage the candidate under its real name and ask the real binary about the WHOLE
  // config (a snippet alone cannot show a duplicate server or a listen clash). Nothing reloads
  // in between, so the running server never sees a refused candidate.
  const backup = previousText === null ? null : path.join(target.dir, `.${target.fileName}.stoker-previous`);
  try {
    if (backup !== null && previousText !== null) await writeDurably(backup, previousText);
    await rename(candidate, live);
  } catch (e) {
    await unlink(candidate).catch(() => undefined);
    return result("swap", false, `Could not move the candidate into place: ${errorCode(e)}.`);
  }
  const restore = async (): Promise<void> => {
    if (backup !== null) await rename(backup, live);
    else await unlink(live).catch(() => undefined);
  };
  const validated = await runArgv(target.validateArgv, timeout);
  if (validated.code !== 0) {
    await restore();
    return result("validate", false, `${target.server} refused the new config; the previous file is back in place.`, {
      validatorOutput: validated.output,
      rolledBack: true,
    });
  }

  const rollback = async (): Promise<boolean> => {
    await restore();
    const again = await runArgv(target.reloadArgv, timeout);
    await sleep(target.settleMs ?? 500);
    return again.code === 0;
  };

  // reload: graceful, so requests in flight finish on the old workers.
  const reloaded = await runArgv(target.reloadArgv, timeout);
  if (reloaded.code !== 0) {
    const back = await rollback();
    return result("reload", false, `Reloading ${target.server} failed; restored the previous config${back ? "" : " (but the second reload failed too)"}.`, {
      validatorOutput: `${validated.output}${reloaded.output}`,
      rolledBack: true,
    });
  }
  await sleep(target.settleMs ?? 500);

  // probe: one real request through the web server to the app.
  const probe = await probeUntil(probeSpec);
  if (!probe.healthy) {
    const back = await rollback();
    const seen = probe.status ? `answered ${probe.status}` : "did not answer";
    return result("probe", false, `The site ${seen} after the reload; restored the previous config${back ? "" : " (but the second reload failed)"}.`, {
      validatorOutput: validated.output,
      probe: { status: probe.status, ms: probe.ms },
      rolledBack: true,
    });
  }
  if (backup !== null) await unlink(backup).catch(() => undefined);
  return result("done", true, "The new config is live.", { validatorOutput: validated.output, probe: { status: probe.status, ms: probe.ms } });
}

/** Compares what is on disk with what Stoker last applied (someone may have edited it by hand). */
export async function detectDrift(filePath: string, lastAppliedText: string | null): Promise<{ drift: boolean; diskText: string | null }> {
  const diskText = await readFile(filePath, "utf8").catch(() => null);
  return { drift: diskText !== lastAppliedText, diskText };
}

async function writeDurably(file: string, text: string): Promise<void> {
  const handle = await open(file, "w", 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync(); // the rename must never expose a half-written file after a crash
  } finally {
    await handle.close();
  }
}

function runArgv(argv: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    if (argv.length === 0) return resolve({ code: 1, output: "No command configured." });
    execFile(argv[0], argv.slice(1), { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && typeof error.code !== "number" ? `${error.message}\n` : ""}` });
    });
  });
}

async function probeUntil(spec: ProbeSpec): Promise<{ healthy: boolean; status: number; ms: number }> {
  const healthy = spec.healthy ?? ((s: number) => s > 0 && s < 500);
  const deadline = Date.now() + (spec.timeoutMs ?? 3000);
  for (;;) {
    const started = Date.now();
    const status = await probeOnce(spec);
    const ms = Date.now() - started;
    if (healthy(status)) return { healthy: true, status, ms };
    if (Date.now() + 200 > deadline) return { healthy: false, status, ms };
    await sleep(200);
  }
}

function probeOnce(spec: ProbeSpec): Promise<number> {
  return new Promise((resolve) => {
    const url = new URL(spec.url);
    const req = request(
      { host: url.hostname, port: url.port || 80, path: `${url.pathname}${url.search}`, headers: { Host: spec.host ?? url.host, Connection: "close" }, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(5000, () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errorCode(e: unknown): string {
  return e instanceof Error && "code" in e ? String((e as NodeJS.ErrnoException).code) : "unknown error";
}

/** True when the include directory exists and is writable (a cheap pre-check for the UI). */
export async function canApply(target: ApplyTarget): Promise<boolean> {
  return access(target.dir, constants.W_OK).then(
    () => true,
    () => false,
  );
}
