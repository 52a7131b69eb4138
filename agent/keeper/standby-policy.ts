// When the log keeper replaces a process that exited while the agent was away: the agent's own
// judgement of an exit (lifecycle.ts), applied with what the keeper can know. A process the keeper
// inherited was serving when the agent left, and as it is not the keeper's child its exit status is
// unknown: it is replaced at once (php-cgi's recycle, the reason the keeper replaces anything). A
// replacement is the keeper's child, so its status is known: a clean exit after its start window is a
// recycle, replaced at once; a failure (or a clean exit in the start window, past the few quick
// retries the agent also allows) waits the spec's backoff, doubling; the agent, when back, decides more.
import type { AppSpec } from "../../lib/protocol";
import { classifyExit, policyRestarts } from "../supervisor/lifecycle";

/** A replacement that lived this long proved it starts: the keeper has no readiness probe of its own. */
export const START_WINDOW_MS = 1000;

export type SlotHistory = { unprovenRecycles: number; failures: number };

export type KeeperExit = {
  /** The exit status, or null for a process the keeper did not start (not its child). */
  status: { code: number | null; signal: string | null } | null;
  livedMs: number;
  /** Seen at work on the app's socket (in accept() or holding a connection): it started. */
  served?: boolean;
};

/** Milliseconds to wait before the replacement, or null for none (the policy says so); updates `history`. */
export function replacementDelay(exit: KeeperExit, restart: AppSpec["restart"], history: SlotHistory): number | null {
  // An unknown status is classified as the agent classifies an adopted process's exit: served, so a recycle.
  const { code, signal } = exit.status ?? { code: null, signal: null };
  if (!policyRestarts(restart.policy, code, signal)) return null;
  // A php-cgi under load can serve its 500 requests in less than the start window: seen serving, it started.
  const proven = exit.status === null || exit.served === true || exit.livedMs >= START_WINDOW_MS;
  const event = classifyExit({ state: "RUNNING", proven, code, signal, unprovenRecycles: history.unprovenRecycles });
  if (event === "recycle") {
    history.unprovenRecycles = proven ? 0 : history.unprovenRecycles + 1;
    history.failures = 0;
    return 0;
  }
  history.failures++;
  return Math.min(restart.backoffMs * 2 ** (history.failures - 1), restart.maxBackoffMs);
}
