// Ends the control plane on SIGTERM / SIGINT only after what it holds in memory for the database
// (batched facts, process events, audit rows: lib/write-behind.ts), and the agent frames still queued
// (lib/agents/agent-inbox.ts), are written. A flush that hangs cannot keep it up for ever: it exits after GRACE_MS regardless.
import "server-only";
import { agentInbox } from "./agents/agent-inbox";
import { flushAll, yieldToLoop } from "./write-behind";

const GRACE_MS = 30_000;

export function exitAfterFlush(): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), GRACE_MS).unref();
    // Frames agents sent before the signal are handled first (their transitions join the write-behind).
    agentInbox().drain(true);
    void yieldToLoop()
      .then(flushAll)
      .finally(() => {
        console.log(`[stoker] ${signal}: pending writes flushed, stopping`);
        process.exit(0);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
