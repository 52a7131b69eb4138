// How an app's process slots start, prove and report their processes: spawn on the app's socket
// (every pid in the state file before it can serve), readiness (settled, probed, socket access
// applied for an app-bound socket), and each transition to the timeline with the exit's last words.
import { existsSync } from "node:fs";
import type { DesiredApp, ProcessTransition } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";
import type { LogSink } from "../logs/log-sink";
import type { AppCgroup } from "./app-cgroup";
import type { AppBoundListener } from "./app-bound-listener";
import { holdAndRelay, proveStaged, respawnLaunch } from "./app-bound-respawn";
import { discardStage, type Stage } from "./app-bound-stage";
import { applyOwnership, applyOwnershipWhenCreated, type ListenSocket, socketAddress } from "./app-socket";
import { isAlive } from "./proc-stats";
import type { LaunchPlan } from "./launch-plan";
import type { SlotHooks } from "./process-slot";
import { probeUntil, waitSettled } from "./readiness";
import { spawnProcess } from "./spawn-process";

const EXIT_OUTPUT_BYTES = 4000;

export type HookContext = {
  appId: string;
  sink: LogSink;
  cgroup: AppCgroup;
  /** The app's socket at spawn time. */
  socket(): ListenSocket | null;
  /** For an app-bound socket: the agent's copy of the live process's listener. */
  held: AppBoundListener;
  /** Called before a process that can accept starts: the agent stops answering for the app. */
  beforeSpawn(): void;
  persist(): void;
  transition(t: ProcessTransition): void;
  /** After any transition: status changed, availability to re-check. */
  changed(): void;
  outputOf(pid: number): string;
};

/**
 * How a new generation's processes start, where that differs from a later respawn: `sock`, the
 * generation's own (staged) socket; `plan`, the first launch of each slot (app-bound-stage.ts).
 */
export type FirstLaunch = { sock?: ListenSocket; plan?: LaunchPlan };

/**
 * Whether a settled process must also answer a FastCGI probe to count as ready. A process the
 * process manager adds beside running siblings of the same launch plan skips it: the app is proven
 * to answer, and under load the probe would wait in the listen queue behind every client.
 */
export type ProbeWanted = () => boolean;

function withLastOutput(detail: string, output: string): string {
  if (!output) return detail;
  return `${detail}\nlast output:\n${output.length > EXIT_OUTPUT_BYTES ? `…${output.slice(-EXIT_OUTPUT_BYTES)}` : output}`;
}

/** `first.sock`: the generation's own (staged) socket; else the app's socket at spawn time. */
export function slotHooks(ctx: HookContext, desired: DesiredApp, plan: LaunchPlan, first: FirstLaunch = {}, probe: ProbeWanted = () => true, generation = 0): SlotHooks {
  const spec = desired.spec;
  const boundFile = spec.socket.bind === "app" ? spec.socket.path : undefined;
  let firstPlan = first.plan;
  /** Each staged respawn's stage, by pid, until it is proven and on the path. */
  const stages = new Map<number, Stage>();
  return {
    spawn: () => {
      ctx.beforeSpawn(); // never both: a process that can accept starts only after the agent stopped answering
      // A first launch is the caller's (a restart stages it itself); a respawn of an app-bound
      // process is staged beside the exited one's socket, which the agent holds (app-bound-respawn.ts).
      const respawn = firstPlan === undefined && boundFile ? respawnLaunch(ctx.held, plan, boundFile, generation) : null;
      const launch = firstPlan ?? respawn?.plan ?? plan;
      firstPlan = undefined;
      const proc = spawnProcess(launch, spec.socket.bind === "agent" ? ((first.sock ?? ctx.socket())?.fd ?? null) : null, ctx.sink, ctx.cgroup);
      const stage = respawn?.stage;
      if (stage) {
        if (proc.pid) {
          stages.set(proc.pid, stage);
          ctx.held.staging = proc.pid;
        }
        // One owner for its removal: the stage goes when its socket is put on the path, or when
        // its process ends, whichever comes first, whatever the slot does meanwhile (a restart or
        // a stop ends the process while it is proven). Registered before the slot's own exit
        // handler, so it is gone before a successor of the same generation opens its stage.
        void proc.exited.then(() => {
          stages.delete(proc.pid);
          discardStage(stage);
        });
      }
      return proc;
    },
    spawned: () => ctx.persist(), // every pid is in the state file before it can serve

    ready: async (proc) => {
      if (spec.socket.bind === "agent") {
        const { dead, settled } = await waitSettled([proc.pid], spec.ready.timeoutMs);
        if (dead.length) return "the process exited while starting";
        if (!settled) return `the process did not settle within ${spec.ready.timeoutMs} ms`;
        if (!probe()) return null;
      }
      const stage = stages.get(proc.pid);
      if (stage && boundFile) {
        stages.delete(proc.pid);
        const problem = await proveStaged(spec, ctx.held, proc.pid, stage, generation, ctx.sink);
        if (ctx.held.staging === proc.pid) ctx.held.staging = null;
        return problem;
      }
      const problem = await probeUntil(spec, socketAddress(spec.socket), spec.ready.timeoutMs);
      if (problem) return `readiness probe failed: ${problem}`;
      if (boundFile) {
        // The app created its socket with its own umask; the web server needs the spec's access.
        if (spec.ready.probe === "none" && !existsSync(boundFile)) {
          // Not waited for: the access is set once the app creates the file.
          void applyOwnershipWhenCreated(boundFile, spec.socket, () => isAlive(proc.pid), spec.ready.timeoutMs).then((p) => {
            if (p) ctx.sink.note(p);
            else if (isAlive(proc.pid)) holdAndRelay(ctx.held, proc.pid, boundFile, ctx.sink, generation);
          });
          return null;
        }
        try {
          applyOwnership(boundFile, spec.socket);
        } catch (e) {
          return `cannot set the socket's owner and mode: ${e instanceof Error ? e.message : String(e)}`;
        }
        holdAndRelay(ctx.held, proc.pid, boundFile, ctx.sink, generation);
      }
      return null;
    },
    transition: (slot, from, to, detail, event) => {
      const pid = slot.proc?.pid ?? slot.lastPid;
      ctx.transition({
        appId: ctx.appId,
        slot: slot.index,
        pid,
        from,
        to,
        ...(event === "recycle" ? { kind: "recycle" as const } : {}), // RUNNING → RUNNING reads as "ready" otherwise
        at: isoNow(),
        // An exit carries the process's last words into the timeline.
        detail: (to === "EXITED" || to === "BACKOFF") && pid ? withLastOutput(detail, ctx.outputOf(pid)) : detail,
      });
      ctx.changed();
    },
  };
}
