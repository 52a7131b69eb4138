// A new generation of an app that binds its own socket, staged so the socket's path is never
// missing. An app such as flup (`bindAddress=`) or `php-cgi -b` replaces the file itself: unlink,
// bind, listen; a connect() between those steps is refused (ENOENT, then ECONNREFUSED). So the new
// process starts in a mount namespace of its own in which the socket's directory is an empty
// staging directory: it unlinks, binds and listens there, unseen, while the old process keeps
// answering on the path. Once it listens and answers, the agent renames its socket onto the path
// (one atomic step, as for agent-owned sockets) and unmounts the staging directory in the
// process's namespace, which then sees the real directory again. Needs root (mount namespaces and
// the uid switch after them); elsewhere the app replaces the file itself, with that short gap.
import { spawn } from "node:child_process";
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stagedPath } from "./app-socket";
import { failpoint } from "./failpoint";
import type { LaunchPlan } from "./launch-plan";

const TOOLS = { unshare: "/usr/bin/unshare", mount: "/usr/bin/mount", umount: "/usr/bin/umount", nsenter: "/usr/bin/nsenter", setpriv: "/usr/bin/setpriv", sh: "/bin/sh" };
/** $1 mount, $2 staging dir, $3 socket dir; then the program. Arguments only: nothing is parsed from a string. */
const BIND_THEN_EXEC = 'm=$1; s=$2; d=$3; shift 3; "$m" --bind "$s" "$d" || exit 127; exec "$@"';
const MAX_SUN_PATH = 107;

export type Stage = {
  /** The staging directory (the socket directory, as the new process sees it). */
  dir: string;
  /** Where the new process's socket appears, seen from here. */
  staged: string;
  /** The app's socket path. */
  target: string;
  generation: number;
  /** Removed (discardStage): the name may be a later stage's of the same generation by now. */
  removed?: boolean;
};

let available: Promise<boolean> | null = null;
/** What canStage() found, once it has (false before). */
let works = false;

/**
 * Root, the tools that make and leave a mount namespace, and a kernel and security policy that let
 * this agent use them (a container without CAP_SYS_ADMIN, or a policy that forbids mount, does
 * not): tried once, on a scratch directory, the first time an app-bound app restarts.
 */
export function canStage(): Promise<boolean> {
  available ??= (process.getuid?.() === 0 && Object.values(TOOLS).every((t) => existsSync(t)) ? stagingWorks() : Promise.resolve(false)).then((v) => {
    works = v;
    return v;
  });
  return available;
}

/** canStage()'s answer where it is needed at once (a respawn); false until canStage() has been asked and answered. */
export function stagingWorksNow(): boolean {
  return works;
}

async function stagingWorks(): Promise<boolean> {
  let dir = "";
  try {
    dir = mkdtempSync(path.join(tmpdir(), "stoker-stage-probe-"));
    return (await run(TOOLS.unshare, ["--mount", "--propagation", "slave", "--", TOOLS.mount, "--bind", dir, dir])) === 0;
  } catch {
    return false;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export function stageDirOf(file: string, generation: number): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.g${generation}.d`);
}

/** A fresh staging directory for generation `generation`, writable only by the app's user; null if it cannot be made. Only where canStage(). */
export function openStage(file: string, generation: number, uid?: number, gid?: number): Stage | null {
  const dir = stageDirOf(file, generation);
  const staged = path.join(dir, path.basename(file));
  if (Buffer.byteLength(staged) > MAX_SUN_PATH) return null;
  try {
    rmSync(dir, { recursive: true, force: true }); // a leftover of an interrupted restart
    mkdirSync(dir, { mode: 0o700 });
    if (uid !== undefined || gid !== undefined) chownSync(dir, uid ?? -1, gid ?? -1);
  } catch {
    return null;
  }
  return { dir, staged, target: file, generation };
}

/** The launch of `plan` inside its own mount namespace, where the socket directory is the stage. */
export function stagedLaunch(plan: LaunchPlan, stage: Stage): LaunchPlan {
  // The uid switch comes after the mount (which needs root), exactly as spawn's uid/gid would do it.
  const drop =
    plan.uid !== undefined || plan.gid !== undefined
      ? [TOOLS.setpriv, ...(plan.uid !== undefined ? [`--reuid=${plan.uid}`] : []), ...(plan.gid !== undefined ? [`--regid=${plan.gid}`] : []), "--clear-groups", "--"]
      : [];
  return {
    ...plan,
    file: TOOLS.unshare,
    args: ["--mount", "--propagation", "slave", "--", TOOLS.sh, "-c", BIND_THEN_EXEC, "stoker-stage", TOOLS.mount, stage.dir, path.dirname(stage.target), ...drop, plan.file, ...plan.args],
    uid: undefined,
    gid: undefined,
  };
}

/** The new process listens at the stage (its socket file exists there). */
export function stageBound(stage: Stage): boolean {
  try {
    return lstatSync(stage.staged).isSocket();
  } catch {
    return false;
  }
}

function run(file: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: "ignore" });
    child.on("error", () => resolve(null));
    child.on("exit", (code) => resolve(code));
  });
}

/**
 * Renames the staged socket onto the app's path: every connect() from now on reaches the new
 * process. Synchronous, so that its caller can record who holds the path in the same turn
 * (AppBoundListener.putOnPath); the process gets its real socket directory back with restoreView.
 */
export function renameOntoPath(stage: Stage): void {
  // Through the staged name beside the path, so that a restarted agent reads the state as the
  // agent-owned mode does: the stage or the staged file still there means "never swapped in".
  const beside = stagedPath(stage.target, stage.generation);
  if (beside) {
    renameSync(stage.staged, beside);
    discardStage(stage);
    failpoint("restart.unstaged");
    renameSync(beside, stage.target);
  } else {
    renameSync(stage.staged, stage.target);
    discardStage(stage);
  }
}

/** Gives a process started in a stage its real socket directory back (a no-op for any other). */
export async function restoreView(pid: number, file: string): Promise<void> {
  let mounts: string;
  try {
    mounts = readFileSync(`/proc/${pid}/mountinfo`, "utf8");
  } catch {
    return;
  }
  if (!mounts.includes(`/.${path.basename(file)}.g`)) return;
  await run(TOOLS.nsenter, [`--target=${pid}`, "--mount", "--", TOOLS.umount, "-l", path.dirname(file)]);
}

/**
 * Removes a staging directory (its process is gone, or its socket was renamed away), once: a
 * second call does nothing, since a replacement of the same generation (its process's successor)
 * may have opened a stage of the same name since.
 */
export function discardStage(stage: Stage): void {
  if (stage.removed) return;
  stage.removed = true;
  try {
    rmSync(stage.dir, { recursive: true, force: true });
  } catch {
    // gone already, or still a mount point somewhere: it is empty either way
  }
}

/**
 * After an agent restart: a replacement of generation `generation` (a respawn, app-bound-respawn.ts)
 * that listens at its stage but was never renamed onto the path is put there now (it is the live process).
 */
export function swapInLeftStage(file: string, generation: number): void {
  const staged = path.join(stageDirOf(file, generation), path.basename(file));
  try {
    if (lstatSync(staged).isSocket()) renameSync(staged, file);
  } catch {
    // no such stage
  }
}

/** Removes every staging directory of `file` an interrupted restart left. */
export function removeStages(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.g`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix) && /^\d+\.d$/.test(name.slice(prefix.length))) discardStage({ dir: path.join(dir, name), staged: "", target: file, generation: 0 });
}
