// How an app-bound process is replaced after it exited (a recycle such as php-cgi's after 500
// requests, or a crash once its backoff is over) while the agent holds a copy of its listener
// (app-bound-listener.ts): that socket stays on the path and keeps queuing connections. The
// replacement starts staged (app-bound-stage.ts), binds unseen, is probed there and renamed onto
// the path; then the old socket's backlog is relayed to it (backlog-relay.ts). Without staging (not
// root) the old file is removed first and the replacement binds the path itself: a connect() in
// that short gap is refused, but nothing queued before it is lost.
import type { AppSpec } from "../../lib/protocol";
import type { LogSink } from "../logs/log-sink";
import type { AppBoundListener } from "./app-bound-listener";
import { discardStage, openStage, type Stage, stageBound, stagedLaunch, stagingWorksNow, swapInStage } from "./app-bound-stage";
import { applyOwnership } from "./app-socket";
import { relayBacklog } from "./backlog-relay";
import type { LaunchPlan } from "./launch-plan";
import { isAlive } from "./proc-stats";
import { probeUntil } from "./readiness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Respawn = { plan: LaunchPlan; stage: Stage | null };

/** The launch of a process of an app-bound app: staged while the agent holds the old listener. */
export function respawnLaunch(held: AppBoundListener, plan: LaunchPlan, file: string, generation: number): Respawn {
  if (held.fd === null) return { plan, stage: null };
  const stage = stagingWorksNow() ? openStage(file, generation, plan.uid, plan.gid) : null;
  if (stage) return { plan: stagedLaunch(plan, stage), stage };
  held.unlinkPath(file);
  return { plan, stage: null };
}

/**
 * Proves a staged replacement where it listens, unseen, and renames its socket onto the app's
 * path, unless `wanted()` says otherwise by then (a restart's newer generation took the path
 * meanwhile: this process must not rename its socket over that one). Null once it serves there,
 * or why not (the stage is then removed).
 */
export async function proveStaged(spec: AppSpec, pid: number, stage: Stage, wanted: () => boolean): Promise<string | null> {
  const deadline = Date.now() + spec.ready.timeoutMs;
  let problem: string | null = null;
  while (!problem && !stageBound(stage)) {
    if (!isAlive(pid)) problem = "the process exited while starting";
    else if (Date.now() > deadline) problem = `the process did not bind ${stage.target} within ${spec.ready.timeoutMs} ms`;
    else await sleep(5);
  }
  if (!problem) {
    const probed = await probeUntil(spec, `unix:${stage.staged}`, Math.max(100, deadline - Date.now()));
    if (probed) problem = `readiness probe failed: ${probed}`;
  }
  if (!problem) {
    try {
      applyOwnership(stage.staged, spec.socket); // before the web server can see it
      if (!wanted()) throw new Error("a newer generation took over the path meanwhile");
      await swapInStage(stage, pid); // its renames come first, in this same turn: no restart can swap in between
      return null;
    } catch (e) {
      problem = `cannot put the new socket in place: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  discardStage(stage);
  return problem;
}

/**
 * The process `pid` serves at `file`: the agent holds its listener from now on, and what queued
 * on the one it held before (the exited process's) is relayed to it.
 */
export function holdAndRelay(held: AppBoundListener, pid: number, file: string, sink: LogSink): void {
  const old = held.take(pid, file);
  if (old === null) return;
  void relayBacklog(old, file).then((n) => {
    if (n) sink.note(`relayed ${n} connection(s) queued while no process accepted to process ${pid}`);
  });
}
