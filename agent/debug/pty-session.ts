// A recorded terminal as a chosen user (never root unless allowed), in the app's cwd, with exactly
// the environment the agent gives the app. Ends on exit, close(), idle timeout or max duration.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { IPty } from "node-pty";
import { type AppSpec, err, ok, type Result } from "../../lib/protocol";
import { planLaunch } from "../supervisor/launch-plan";
import { currentUser, lookupUser, type UserInfo } from "../supervisor/users";
import { AsciicastWriter } from "./asciicast";

export { readRecording } from "./asciicast";

// node-pty (a native module) is loaded with the first session, not with every agent.
const loadPty = (): typeof import("node-pty") => createRequire(import.meta.url)("node-pty");

export type PtySessionOptions = {
  spec: AppSpec;
  user: string;
  cols: number;
  rows: number;
  recordPath: string;
  idleTimeoutMs?: number;
  maxDurationMs?: number;
  allowRoot?: boolean;
  /** The owner approved the app's own spec for uid 0: needed to plan its env and cwd when it runs as root. */
  appRootApproved?: boolean;
  /** Allowed socket dirs for planLaunch; defaults to the spec's own socket dir. */
  socketDirs?: string[];
};

export type PtyEndReason = "exit" | "idle" | "max-duration" | "closed";
export type PtyExitInfo = { code: number | null; signal: number | null; reason: PtyEndReason };

export type PtySession = {
  pid: number;
  shell: string;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Hangs up the terminal; resolves once the shell has exited and the recording is flushed. */
  close(): Promise<PtyExitInfo>;
  onData(cb: (data: string) => void): () => void;
  onExit(cb: (info: PtyExitInfo) => void): () => void;
  exited: Promise<PtyExitInfo>;
};

/** The user's own shell if it is a real login shell, else bash, else sh. */
export function pickShell(user: UserInfo): string {
  let shells: string[] = [];
  try {
    shells = readFileSync("/etc/shells", "utf8").split("\n").map((l) => l.trim());
  } catch {
    // no /etc/shells: fall back below
  }
  if (user.shell && shells.includes(user.shell) && !/nologin|false/.test(user.shell) && existsSync(user.shell)) return user.shell;
  return existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh";
}

// No rc files: they would change the environment away from the app's.
const shellArgs = (shell: string): string[] => (path.basename(shell) === "bash" ? ["--noprofile", "--norc"] : []);

export function openPtySession(opts: PtySessionOptions): Result<PtySession> {
  const user = lookupUser(opts.user);
  if (!user) return err("BAD_REQUEST", `No user named "${opts.user}" exists on this host.`);
  if (user.uid === 0 && !opts.allowRoot) return err("FORBIDDEN", "A terminal as root needs the owner's approval (lib/protocol/run-as.ts).");
  const me = currentUser();
  if (me.uid !== 0 && user.uid !== me.uid) return err("FORBIDDEN", `The agent runs as "${me.name}", so it cannot open a session as "${opts.user}".`);
  const socketDirs = opts.socketDirs ?? (opts.spec.socket.path ? [path.dirname(opts.spec.socket.path)] : []);
  const planned = planLaunch(opts.spec, socketDirs, { purpose: "terminal", rootApproved: (opts.appRootApproved ?? false) || (opts.allowRoot ?? false) });
  if (!planned.ok) return planned;
  const plan = planned.value;
  if (!existsSync(plan.cwd)) return err("FAILED", `The app's working directory ${plan.cwd} does not exist.`);

  const shell = pickShell(user);
  const env = { ...plan.env, TERM: "xterm-256color" };
  let pty: IPty;
  try {
    pty = loadPty().spawn(shell, shellArgs(shell), {
      name: "xterm-256color",
      cols: opts.cols,
      rows: opts.rows,
      cwd: plan.cwd,
      env,
      ...(me.uid === 0 && user.uid !== 0 ? { uid: user.uid, gid: user.gid } : {}),
    });
  } catch {
    return err("FAILED", `Could not start ${shell} as ${opts.user}.`);
  }

  const recorder = new AsciicastWriter(opts.recordPath, {
    version: 2,
    width: opts.cols,
    height: opts.rows,
    timestamp: Math.floor(Date.now() / 1000),
    title: `${opts.spec.name} as ${opts.user}`,
    env: { SHELL: shell, TERM: env.TERM },
  });
  const dataListeners = new Set<(data: string) => void>();
  const exitListeners = new Set<(info: PtyExitInfo) => void>();
  let reason: PtyEndReason = "exit";
  let ended = false;
  let idleTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  const end = (why: PtyEndReason) => {
    if (ended) return;
    ended = true;
    reason = why;
    pty.kill("SIGHUP"); // a hangup, as when a terminal window closes; interactive shells ignore TERM
    killTimer = setTimeout(() => pty.kill("SIGKILL"), 2000);
  };
  const armIdle = () => {
    clearTimeout(idleTimer);
    if (opts.idleTimeoutMs) idleTimer = setTimeout(() => end("idle"), opts.idleTimeoutMs);
  };
  armIdle();
  const maxTimer = opts.maxDurationMs ? setTimeout(() => end("max-duration"), opts.maxDurationMs) : undefined;

  pty.onData((data) => {
    recorder.event("o", data);
    for (const cb of dataListeners) cb(data);
  });
  const exited = new Promise<PtyExitInfo>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      ended = true;
      clearTimeout(idleTimer);
      clearTimeout(maxTimer);
      clearTimeout(killTimer);
      const info: PtyExitInfo = { code: signal ? null : exitCode, signal: signal || null, reason };
      void recorder.close().then(() => {
        for (const cb of exitListeners) cb(info);
        resolve(info);
      });
    });
  });

  return ok({
    pid: pty.pid,
    shell,
    exited,
    write(data) {
      if (ended) return;
      recorder.event("i", data);
      armIdle();
      pty.write(data);
    },
    resize(cols, rows) {
      if (ended) return;
      recorder.event("r", `${cols}x${rows}`);
      pty.resize(cols, rows);
    },
    close() {
      end("closed");
      return exited;
    },
    onData(cb) {
      dataListeners.add(cb);
      return () => dataListeners.delete(cb);
    },
    onExit(cb) {
      exitListeners.add(cb);
      return () => exitListeners.delete(cb);
    },
  });
}
