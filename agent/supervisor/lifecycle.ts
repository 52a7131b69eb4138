// The only place a process changes state, and the one judgement of what an exit means
// (DESIGN decision 9). State names follow Supervisor.
import type { ProcessState } from "../../lib/protocol";

/**
 * - `start_failed`: the process died before it proved itself ready (its start window);
 * - `exit`: an abnormal exit (non-zero code or a signal) after it served;
 * - `recycle`: a clean exit (code 0) after it served, e.g. php-cgi after PHP_FCGI_MAX_REQUESTS:
 *   its replacement starts at once, with no backoff, and the slot keeps serving (RUNNING).
 */
export type LifecycleEvent = "start" | "probe_ok" | "start_failed" | "exit" | "recycle" | "retry" | "give_up" | "stop" | "reaped";

const TRANSITIONS: Record<ProcessState, Partial<Record<LifecycleEvent, ProcessState>>> = {
  STOPPED: { start: "STARTING" },
  STARTING: { probe_ok: "RUNNING", start_failed: "BACKOFF", stop: "STOPPING" },
  // A recycled slot stays RUNNING: the agent-owned socket queues requests while the next process starts.
  // Its replacement still has a start window: dying before it is ready is a failed start.
  RUNNING: { exit: "EXITED", recycle: "RUNNING", start_failed: "BACKOFF", stop: "STOPPING" },
  BACKOFF: { retry: "STARTING", give_up: "FATAL", stop: "STOPPED" },
  STOPPING: { reaped: "STOPPED" },
  EXITED: { start: "STARTING", give_up: "FATAL", stop: "STOPPED" },
  FATAL: { start: "STARTING", stop: "STOPPED" },
};

/** Returns null for an illegal move; the caller logs it and keeps the old state. */
export function nextState(from: ProcessState, event: LifecycleEvent): ProcessState | null {
  return TRANSITIONS[from][event] ?? null;
}

export type ExitFacts = {
  state: ProcessState;
  /** The process passed its readiness check (or was adopted serving): its start window is over. */
  proven: boolean;
  code: number | null;
  signal: string | null;
  /** Clean exits in a row of replacements that were not yet proven ready (see below). */
  unprovenRecycles: number;
};

/**
 * Clean exits in a row that a slot may treat as recycles before any replacement proved ready. Under
 * load a php-cgi with a small PHP_FCGI_MAX_REQUESTS can serve its whole quota before its readiness
 * check ends, and on a starved agent its whole life can fall between two looks at its fds (5 ms
 * apart when the agent gets the CPU): 3 such replacements in a row sent a slot to BACKOFF in CI
 * (recycle-under-load, 2 cores). A program that exits 0 at once (never serving) gets this many quick
 * retries, then backoff: 10 spawns, about half a second of CPU.
 */
export const MAX_UNPROVEN_RECYCLES = 10;

/** What an exit means, as the event to apply. Only `start_failed` and `exit` count toward backoff and FATAL. */
export function classifyExit(f: ExitFacts): "reaped" | "start_failed" | "exit" | "recycle" {
  if (f.state === "STOPPING") return "reaped";
  // No code and no signal: the status is not known (an adopted process is not the agent's child, nor
  // the log keeper's). It was serving: replaced at once, as a recycle (php-cgi's, most often), so an
  // app whose adopted processes recycle together is never left without one for a backoff. Its
  // replacement is a child, whose status is known: a crash loop still backs off there.
  const clean = (f.code === 0 || f.code === null) && f.signal === null;
  if (f.proven) return clean ? "recycle" : "exit";
  // A replacement (its slot is RUNNING) that served while its readiness check was still running.
  if (clean && f.state === "RUNNING" && f.unprovenRecycles < MAX_UNPROVEN_RECYCLES) return "recycle";
  return "start_failed";
}

/** Whether the restart policy replaces a process after this exit. */
export function policyRestarts(policy: "always" | "on-failure" | "never", code: number | null, signal: string | null): boolean {
  return policy === "always" || (policy === "on-failure" && (code !== 0 || signal !== null));
}
