// Stopping one process of a running app without failing a request (DESIGN decision 10): paused,
// it is checked for accepted connections; holding none, it gets its stop signal before it runs
// again, so it cannot take another connection. Busy, it is resumed and tried again a moment later.
import { hasAccepted } from "./accept-state";
import type { ProcessSlot } from "./process-slot";
import { kickAcceptors, waitStopped } from "./readiness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops `slot` once its process holds no request (or after `timeoutMs`, gracefully anyway). */
export async function stopWhenIdle(slot: ProcessSlot, address: string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (slot.proc && Date.now() < deadline) {
    const proc = slot.proc;
    const pids = proc.pids();
    proc.signal("SIGSTOP");
    await waitStopped(pids);
    if (!pids.some((pid) => hasAccepted(pid))) {
      const stopping = slot.stop(); // the stop signal is queued while paused: handled before any accept
      proc.signal("SIGCONT");
      await stopping;
      // A signal that interrupted accept() may have taken the kernel's one wake-up for a new connection.
      if (address) await kickAcceptors(address, 1);
      return;
    }
    proc.signal("SIGCONT");
    await sleep(20);
  }
  await slot.stop();
}
