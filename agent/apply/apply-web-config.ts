// Puts a rendered web-server file live (or removes one) without ever leaving a broken config
// behind: write candidate → validate with the real binary → swap → reload → verify, restoring the
// previous file (and reloading, or starting the server again) on any failure. Verify means: the
// server took the config and still runs, it is the program on the site's port, the site answers
// below 500 and as the app answers on its socket, and every other site that answered still does.
import { constants } from "node:fs";
import { access, open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import type { WebServer } from "../../lib/protocol";
import { answeringSites, firstSiteDown, type ProbeCheck, type ProbeSpec, probeUntil, type ServerIdentity } from "./apply-checks";
import { logOffset, watchReload, workerPids } from "./reload-watch";
import { reloadOrStart, runArgv } from "./server-commands";
import { readPidFile, runningPid } from "./server-process";
import { shadowingWarnings } from "./validator-warnings";

export type { ProbeSpec } from "./apply-checks";
export { DEBIAN_DEFAULTS, debianTarget } from "./web-targets";

export type ApplyStep = "write" | "validate" | "swap" | "reload" | "probe" | "done";
/** Which check failed, so the dashboard can say why and not only where. */
export type ApplyCheck = ProbeCheck | "server-stopped" | "reload-refused" | "not-running";

export type ApplyTarget = {
  server: WebServer;
  /** The include directory the main config reads (`*.conf`). */
  dir: string;
  /** The file's name inside `dir`, e.g. stoker-hello.conf. */
  fileName: string;
  /** Validates the whole config (main + snippets), e.g. ["nginx", "-t"]. */
  validateArgv: string[];
  /** Gracefully reloads the running server, e.g. ["nginx", "-s", "reload"]; empty: signal the pid file's pid. */
  reloadArgv: string[];
  /** Signal for a reload without a command (lighttpd and Apache: SIGUSR1, nginx: SIGHUP). */
  reloadSignal?: "SIGHUP" | "SIGUSR1" | "SIGUSR2";
  /** The master's pid file: "still running after the reload" and "who listens" are judged by it. */
  pidFile?: string;
  /** The server's error log: a refused reload is read from it. */
  errorLog?: string;
  /** Starts the server when it is not running (after lighttpd or Apache stopped on a failed reload). */
  startArgv?: string[];
  /** Where each site's own error log goes (rendered into the site file). */
  siteLogDir?: string;
  /** Quiet time after a reload before probing: reload commands return before workers switch over. */
  settleMs?: number;
  commandTimeoutMs?: number;
};

export type ApplyOutcome = {
  ok: boolean;
  /** The last step reached: "done" on success, otherwise the step that failed. */
  step: ApplyStep;
  /** The check that failed (null on success, or when a step failed before any check ran). */
  check: ApplyCheck | null;
  message: string;
  validatorOutput: string;
  probe: { status: number; ms: number } | null;
  rolledBack: boolean;
  /** After the apply (and any rollback): does the server run? null when no pid file tells. */
  serverRunning: boolean | null;
};

export type ApplyExtras = {
  /** Other sites on the same server: each one that answers before must answer after. */
  others?: ProbeSpec[];
  /**
   * Files in the target's dir that the new file replaces (an app's config from before sites):
   * moved aside in the same swap, put back on any rollback, deleted on success.
   */
  replaces?: string[];
};

// One apply at a time per server: two interleaved applies could restore each other's candidates,
// and one reload would judge the other's config.
const locks = new Map<string, Promise<unknown>>();

/** Applies `text` as the target file; `text: null` removes the file through the same pipeline. */
export function applyWebConfig(target: ApplyTarget, text: string | null, probe: ProbeSpec | null, extras: ApplyExtras = {}): Promise<ApplyOutcome> {
  const key = `${target.server}:${target.dir}`;
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(() => applyLocked(target, text, probe, extras));
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return run;
}

async function applyLocked(target: ApplyTarget, text: string | null, probeSpec: ProbeSpec | null, extras: ApplyExtras): Promise<ApplyOutcome> {
  const live = path.join(target.dir, target.fileName);
  // Hidden and not ending in .conf, so no include glob ever picks the candidate up by itself.
  const candidate = path.join(target.dir, `.${target.fileName}.stoker-candidate`);
  const timeout = target.commandTimeoutMs ?? 30_000;
  const settleMs = target.settleMs ?? 500;
  const previousText = await readFile(live, "utf8").catch(() => null);
  const running = () => (target.pidFile ? runningPid(target.pidFile) !== null : null);
  const result = (step: ApplyStep, ok: boolean, message: string, extra: Partial<ApplyOutcome> = {}): ApplyOutcome => ({
    ok,
    step,
    check: null,
    message,
    validatorOutput: "",
    probe: null,
    rolledBack: false,
    serverRunning: running(),
    ...extra,
  });
  const replacing = await Promise.all((extras.replaces ?? []).map((n) => access(path.join(target.dir, n)).then(() => true, () => false)));
  if (text === null && previousText === null && !replacing.includes(true)) return result("done", true, "There was no config file to remove.");

  // Which other sites answer now: only those must still answer afterwards.
  const others = await answeringSites(extras.others ?? []);

  // write: the full candidate, flushed, beside the live file (same filesystem → atomic rename).
  if (text !== null) {
    try {
      await writeDurably(candidate, text);
    } catch (e) {
      await unlink(candidate).catch(() => undefined);
      return result("write", false, `Could not write the candidate config in ${target.dir}: ${errorCode(e)}.`);
    }
  }

  // validate: stage the candidate under its real name and ask the real binary about the WHOLE
  // config (a snippet alone cannot show a duplicate server or a listen clash). Nothing reloads
  // in between, so the running server never sees a refused candidate.
  const backup = previousText === null ? null : path.join(target.dir, `.${target.fileName}.stoker-previous`);
  try {
    if (backup !== null && previousText !== null) await writeDurably(backup, previousText);
    if (text !== null) await rename(candidate, live);
    else if (previousText !== null) await unlink(live);
  } catch (e) {
    await unlink(candidate).catch(() => undefined);
    return result("swap", false, `Could not move the candidate into place: ${errorCode(e)}.`);
  }
  // Replaced files leave the include glob's sight with the same swap, and come back with a rollback.
  const replaced: [string, string][] = [];
  for (const name of extras.replaces ?? []) {
    const from = path.join(target.dir, name);
    const aside = path.join(target.dir, `.${name}.stoker-replaced`);
    if (await rename(from, aside).then(() => true, () => false)) replaced.push([from, aside]);
  }
  const restore = async (): Promise<void> => {
    if (backup !== null) await rename(backup, live);
    else await unlink(live).catch(() => undefined);
    for (const [from, aside] of replaced) await rename(aside, from).catch(() => undefined);
  };
  const validated = await runArgv(target.validateArgv, timeout);
  // A warning that a site is ignored (nginx: conflicting server name) is a refusal, not a success.
  const shadowed = validated.code === 0 ? shadowingWarnings(target.server, validated.output) : [];
  if (validated.code !== 0 || shadowed.length) {
    await restore();
    const why = shadowed.length ? ` It warned that a site would be ignored: ${shadowed[0]}` : "";
    return result("validate", false, `${target.server} refused the new config; the previous file is back in place.${why}`, {
      validatorOutput: validated.output,
      rolledBack: true,
    });
  }

  const who: ServerIdentity = { server: target.server, masterPid: () => (target.pidFile ? readPidFile(target.pidFile) : null) };
  const watch = { server: target.server, errorLog: target.errorLog, pidFile: target.pidFile, settleMs, timeoutMs: Math.min(timeout, 10_000) };
  const rollback = async (step: ApplyStep, check: ApplyCheck, detail: string, extra: Partial<ApplyOutcome> = {}): Promise<ApplyOutcome> => {
    await restore();
    const wasUp = running() !== false;
    const [offset, workers] = [await logOffset(target.errorLog), workerPids(target.pidFile)];
    const back = await reloadOrStart(target, timeout);
    // Let the server finish this reload, so the next apply does not read its lines as its own.
    if (back.code === 0 && !back.started) await watchReload(watch, offset, wasUp, workers);
    const runs = running();
    const how = runs === false ? ` The server is NOT running: ${back.output.trim() || "starting it failed."}` : back.code === 0 ? "" : " (but reloading it again failed)";
    return result(step, false, `${detail} Restored the previous config${back.started ? " and started the server again" : ""}.${how}`, {
      check,
      validatorOutput: `${validated.output}${extra.validatorOutput ?? ""}`,
      rolledBack: true,
      probe: extra.probe ?? null,
      serverRunning: runs,
    });
  };

  // reload: graceful, so requests in flight finish on the old workers; a stopped server is started.
  const offset = await logOffset(target.errorLog);
  const wasRunning = running() !== false;
  const workers = workerPids(target.pidFile);
  const reloaded = await reloadOrStart(target, timeout);
  if (reloaded.code !== 0) {
    return rollback("reload", wasRunning ? "reload-refused" : "not-running", `Reloading ${target.server} failed: ${reloaded.output.trim()}`, { validatorOutput: reloaded.output });
  }
  const verdict = reloaded.started ? ({ ok: true } as const) : await watchReload(watch, offset, wasRunning, workers);
  if (!verdict.ok) return rollback("reload", verdict.check, `${target.server} did not take the new config: ${verdict.detail}`);

  // probe: a real request through the web server to the app, judged against the app itself.
  let probe: ApplyOutcome["probe"] = null;
  if (probeSpec) {
    const p = await probeUntil(probeSpec, who);
    probe = { status: p.status, ms: p.ms };
    if (!p.healthy) return rollback("probe", p.check, p.detail, { probe });
  }
  const down = await firstSiteDown(others);
  if (down && !down.healthy) return rollback("probe", down.check, down.detail, { probe });
  if (backup !== null) await unlink(backup).catch(() => undefined);
  for (const [, aside] of replaced) await unlink(aside).catch(() => undefined);
  const what = text === null ? "The config is removed" : "The new config is live";
  return result("done", true, `${what}${reloaded.started ? ` (${target.server} was not running: started it)` : ""}.`, { validatorOutput: validated.output, probe });
}

/** Compares what is on disk with what Stoker last applied (someone may have edited it by hand). */
export async function detectDrift(filePath: string, lastAppliedText: string | null): Promise<{ drift: boolean; diskText: string | null }> {
  const diskText = await readFile(filePath, "utf8").catch(() => null);
  return { drift: diskText !== lastAppliedText, diskText };
}

async function writeDurably(file: string, text: string): Promise<void> {
  // O_NOFOLLOW: a link planted at the candidate's name must not make root write through it.
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync(); // the rename must never expose a half-written file after a crash
  } finally {
    await handle.close();
  }
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
