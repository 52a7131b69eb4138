// Retiring a generation without dropping anything (DESIGN decision 10). Once its socket has been
// replaced on the path, nothing new can reach it: the old processes keep serving what was already
// queued or accepted, and are told to stop only when the backlog is empty and every connection
// they accepted is closed. What an app does on its stop signal (flup drops the connections it
// accepted but has not started) then no longer matters: it has none.
import { acceptedHeldBy, boundName, hasQueued, openAccepted } from "./socket-use";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long the retired socket must stay quiet: a connect() that found the old socket just before the swap may queue late. */
const QUIET_MS = 30;

/**
 * Waits until listening socket `fd` (no longer on any path) has nothing queued and no accepted
 * connection is open (with `heldBy`: none held by those processes, for a name another listener
 * shares). False if `timeoutMs` passed first (an old process that stopped accepting), or once
 * `abandoned()` says no process will accept on it any more.
 */
export async function drainRetired(fd: number, timeoutMs: number, heldBy?: number[], abandoned?: () => boolean): Promise<boolean> {
  const name = boundName(fd);
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  while (Date.now() < deadline) {
    if (abandoned?.()) return false; // nothing will accept on it any more: the caller deals with what is left
    const open = name === null ? 0 : heldBy ? acceptedHeldBy(heldBy, name) : openAccepted(name);
    const quiet = !hasQueued(fd) && open === 0;
    if (!quiet) quietSince = 0;
    else if (!quietSince) quietSince = Date.now();
    else if (Date.now() - quietSince >= QUIET_MS) return true;
    await sleep(5);
  }
  return false;
}
