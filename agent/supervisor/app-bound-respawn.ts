// How an app-bound process is replaced after it exited (a recycle such as php-cgi's after 500
// requests, or a crash once its backoff is over) while the agent holds a copy of its listener
// (app-bound-listener.ts): that socket stays on the path and keeps queuing connections. The
// replacement starts staged (app-bound-stage.ts), binds unseen, is probed there and renamed onto
// the path; then the old socket's backlog is relayed to it (backlog-relay.ts). Without staging (not
// root) the old file is removed first and the replacement binds the path itself: a connect() in
// that short gap is refused, but nothing queued before it is lost.
import type { AppSpec } from "../../lib/protocol";
import type { LogSink } from "../logs/log-sink";
import type { AppBoundListener, HeldCopy } from "./app-bound-listener";
import { proveBound } from "./app-bound-prove";
import { retireDisplaced } from "./app-bound-retire";
import { discardStage, openStage, restoreView, type Stage, stagedLaunch, stagingWorksNow } from "./app-bound-stage";
import type { LaunchPlan } from "./launch-plan";
import { holdpoint } from "./failpoint";

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
 * Proves a staged replacement (process `pid` of `generation`) where it listens, unseen, and puts
 * its socket on the app's path, unless a newer generation holds the path by then (a restart's new
 * process took it meanwhile: this one must not rename its socket over that one). Null once it
 * serves there (the listener it displaced is retired: what queued on it is relayed), or why not
 * (the stage is then removed).
 */
export async function proveStaged(spec: AppSpec, held: AppBoundListener, pid: number, stage: Stage, generation: number, sink: LogSink): Promise<string | null> {
  let problem = await proveBound(spec, [pid], stage, stage.target);
  await holdpoint("respawn.proved");
  if (!problem) {
    try {
      // The check and the renames in one turn, with no await between: no restart can take the path in between.
      const displaced = held.putOnPath(stage, pid, generation);
      await restoreView(pid, stage.target);
      retire(displaced, stage.target, sink, pid);
      return null;
    } catch (e) {
      problem = `cannot put the new socket in place: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  discardStage(stage);
  return problem;
}

/**
 * The process `pid` serves at `file` (it bound the path itself): the agent holds its listener from
 * now on, and what queued on the one it held before (the exited process's) is relayed to it.
 */
export function holdAndRelay(held: AppBoundListener, pid: number, file: string, sink: LogSink, generation?: number): void {
  retire(held.take(pid, file, generation), file, sink, pid);
}

/** The displaced copy belongs to a process that exited (this one replaces it): its backlog is relayed. */
function retire(displaced: HeldCopy | null, file: string, sink: LogSink, pid: number): void {
  if (!displaced) return;
  void retireDisplaced(displaced, file, { pids: [displaced.pid], timeoutMs: 0, stop: async () => {} }).then((n) => {
    if (n) sink.note(`relayed ${n} connection(s) queued while no process accepted to process ${pid}`);
  });
}
