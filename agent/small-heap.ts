// A small agent at rest (docs/BENCHMARKS.md, "Agent memory at rest"), by two V8 settings made from
// inside the process, before the rest of the code loads:
// - the young generation stays at V8's initial size (1 MiB semi-spaces) instead of growing to 8-16
//   MiB while the agent starts and keeping that for ever (6-11 MiB of RSS at rest). V8 reads the
//   growth factor each time it would grow the young generation, so setting it here is early enough.
// - V8 optimizes for size while the process starts (parsing and running the top level of every
//   module, building the zod schemas, adopting or starting the apps): 4-6 MiB less RSS at rest.
//   `startupDone()` turns it off again: left on, log ingest took ~30% more CPU.
// Imported first by the agent (main.ts) and the log keeper; the bundle (scripts/build-agent.mjs) puts
// the same calls in front of every chunk, since a bundled chunk runs after the chunks it imports.
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--semi-space-growth-factor=1");
const g = globalThis as { __stokerStartup?: boolean };
if (g.__stokerStartup === undefined) {
  g.__stokerStartup = true;
  setFlagsFromString("--optimize-for-size");
}

/** Start-up is over: V8 optimizes for speed again (a chunk loaded later does not turn size back on). */
export function startupDone(): void {
  g.__stokerStartup = false;
  setFlagsFromString("--no-optimize-for-size");
}
