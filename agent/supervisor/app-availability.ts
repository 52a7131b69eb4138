// Whether an app answers for itself: while it should run and no process of it exists, the agent
// answers on its socket (a FastCGI 503 naming the app and its state, unavailable-responder.ts).
import type { ProcessSlot } from "./process-slot";
import { UnavailableResponder, unavailableResponse } from "./unavailable-responder";

/** Why the agent answers for an app: its processes' summary state and how the last one ended. */
export type AppDown = {
  state: string;
  /** `error`: the process could not be spawned at all (e.g. ENOENT). */
  lastExit: { pid: number; code: number | null; signal: string | null; error?: string } | null;
  /** The tail of what that last process printed (its crash output). */
  output: string;
};

/** How long an app must have had no process before the agent answers 503 for it. */
const UNAVAILABLE_AFTER_MS = 250;

/** FATAL, BACKOFF, EXITED or STOPPED: the state a 503 page names while nothing runs. */
export function summaryState(slots: ProcessSlot[]): string {
  const states = new Set(slots.map((s) => s.state));
  return (["FATAL", "BACKOFF", "EXITED", "STOPPED"] as const).find((st) => states.has(st)) ?? "STOPPED";
}

/** No slot of any generation has a process, and none is about to start one. */
export function noLiveProcess(slots: ProcessSlot[]): boolean {
  return slots.every((s) => s.proc === null && (s.state === "FATAL" || s.state === "BACKOFF" || s.state === "STOPPED"));
}

/** A slot's last exit, a FATAL one first (the slots of a crashing app usually die the same way). */
export function lastExitOf(slots: ProcessSlot[]): AppDown["lastExit"] {
  const exited = slots.filter((s) => s.lastExit);
  const last = exited.find((s) => s.state === "FATAL") ?? exited[0];
  return last?.lastExit ? { pid: last.lastPid, ...last.lastExit } : null;
}

export class Availability {
  private responder: UnavailableResponder;
  private timer: NodeJS.Timeout | null = null;

  /** `shouldAnswer`: the app should run and has no process; `fd`: its agent-owned socket. */
  constructor(
    name: () => string,
    state: () => string,
    private shouldAnswer: () => boolean,
    private fd: () => number | null,
  ) {
    this.responder = new UnavailableResponder(() => unavailableResponse(name(), state()));
  }

  stop(): void {
    this.responder.stop();
  }

  /** Starts or stops answering after a change of the app's processes. */
  sync(): void {
    if (!this.shouldAnswer()) {
      this.responder.stop();
      return;
    }
    // Not at once: a process that exits to be replaced (a recycle) leaves the app without a
    // process for a moment, and what the web server queues meanwhile belongs to its successor.
    if (this.responder.active || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const fd = this.fd();
      if (this.shouldAnswer() && fd !== null) this.responder.start(fd);
    }, UNAVAILABLE_AFTER_MS);
    this.timer.unref();
  }
}
