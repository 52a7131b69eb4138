// The agent's debugging operations: the doctor, "run it by hand", and pty sessions relayed to the
// control plane (output out, input/resize/close in), each recorded to <state>/recordings/<id>.cast.
import { mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { type AppSpec, err, ok, type Result } from "../../lib/protocol";
import { getWebConfig, type WebTargets } from "../apply/web-config-ops";
import type { AppDown } from "../supervisor/app-availability";
import { runDoctor } from "./doctor";
import { openPtySession, type PtySession } from "./pty-session";
import { runByHand } from "./run-by-hand";

export type PtySender = {
  output(sessionId: string, data: string): void;
  exit(sessionId: string, code: number | null, reason: "exit" | "idle" | "max-duration" | "closed"): void;
};

const MAX_RECORDING = 8 << 20;
const IDLE_MS = 15 * 60_000;
const MAX_MS = 2 * 3600_000;

export class DebugOps {
  private sessions = new Map<string, PtySession>();
  private sender: PtySender | null = null;
  private readonly recordings: string;

  constructor(
    private stateDir: string,
    private socketDirs: string[],
    private webTargets: () => WebTargets,
  ) {
    this.recordings = path.join(stateDir, "recordings");
  }

  setSender(sender: PtySender | null): void {
    this.sender = sender;
  }

  async doctor(spec: AppSpec, recentOutput: string, pids: number[], rootApproved: boolean, down: AppDown | null = null, webLines: string[] = []) {
    // Compare against the config actually on disk if there is one, else what Stoker would render.
    const web = spec.web ? await getWebConfig(spec, this.webTargets(), undefined, [], this.stateDir) : null;
    const webConfigText = web?.ok ? (web.value.diskText ?? web.value.text) : null;
    return ok(await runDoctor(spec, { socketDirs: this.socketDirs, webConfigText, recentOutput, webLines, pids, rootApproved, down }));
  }

  async runByHand(spec: AppSpec, rootApproved: boolean) {
    return ok(await runByHand(spec, { socketDirs: this.socketDirs, rootApproved }));
  }

  openPty(spec: AppSpec, o: { sessionId: string; user: string; cols: number; rows: number; allowRoot: boolean }, appRootApproved: boolean): Result<{ pid: number; shell: string }> {
    if (this.sessions.has(o.sessionId)) return err("CONFLICT", "That session id is already open.");
    mkdirSync(this.recordings, { recursive: true, mode: 0o700 });
    const opened = openPtySession({
      spec,
      user: o.user,
      cols: o.cols,
      rows: o.rows,
      allowRoot: o.allowRoot,
      appRootApproved,
      recordPath: path.join(this.recordings, `${o.sessionId}.cast`),
      idleTimeoutMs: IDLE_MS,
      maxDurationMs: MAX_MS,
      socketDirs: this.socketDirs,
    });
    if (!opened.ok) return opened;
    const session = opened.value;
    this.sessions.set(o.sessionId, session);
    session.onData((data) => this.sender?.output(o.sessionId, data));
    session.onExit((info) => {
      this.sessions.delete(o.sessionId);
      this.sender?.exit(o.sessionId, info.code, info.reason);
    });
    return ok({ pid: session.pid, shell: session.shell });
  }

  input(sessionId: string, data: string): void {
    this.sessions.get(sessionId)?.write(data);
  }

  resize(sessionId: string, cols: number, rows: number): void {
    this.sessions.get(sessionId)?.resize(cols, rows);
  }

  close(sessionId: string): void {
    void this.sessions.get(sessionId)?.close();
  }

  recording(sessionId: string): Result<{ cast: string }> {
    const file = path.join(this.recordings, `${sessionId}.cast`);
    try {
      if (statSync(file).size > MAX_RECORDING) return err("FAILED", "The recording is larger than 8 MB; fetch it from the host.");
      return ok({ cast: readFileSync(file, "utf8") });
    } catch {
      return err("NOT_FOUND", "No recording for that session on this host.");
    }
  }
}
