// The only place a process changes state. State names follow Supervisor.
import type { ProcessState } from "../../lib/protocol";

export type LifecycleEvent = "start" | "probe_ok" | "exit" | "retry" | "give_up" | "stop" | "reaped";

const TRANSITIONS: Record<ProcessState, Partial<Record<LifecycleEvent, ProcessState>>> = {
  STOPPED: { start: "STARTING" },
  STARTING: { probe_ok: "RUNNING", exit: "BACKOFF", stop: "STOPPING" },
  RUNNING: { exit: "EXITED", stop: "STOPPING" },
  BACKOFF: { retry: "STARTING", give_up: "FATAL", stop: "STOPPED" },
  STOPPING: { reaped: "STOPPED" },
  EXITED: { start: "STARTING", give_up: "FATAL", stop: "STOPPED" },
  FATAL: { start: "STARTING", stop: "STOPPED" },
};

/** Returns null for an illegal move; the caller logs it and keeps the old state. */
export function nextState(from: ProcessState, event: LifecycleEvent): ProcessState | null {
  return TRANSITIONS[from][event] ?? null;
}
