// A small agent at rest (docs/BENCHMARKS.md, "Agent memory at rest"), by V8 settings made from
// inside the process, before the rest of the code loads (the bundle's entries, agent/entry-*.ts, import
// this module alone, then the agent or the keeper: Node resolves their modules after these settings):
// - the young generation stays at V8's initial size (1 MiB semi-spaces) instead of growing to 8-16
//   MiB while the agent starts and keeping that for ever (6-11 MiB of RSS at rest). V8 reads the
//   growth factor each time it would grow the young generation, so setting it here is early enough.
// - V8 optimizes for size while the process starts (parsing and running the top level of every
//   module, building the zod schemas, adopting or starting the apps): 4-6 MiB less RSS at rest.
//   `startupDone()` turns it off again: left on, log ingest took ~30% more CPU.
// - No optimizing compiler (TurboFan) until the process has work: an agent at rest runs a few
//   milliseconds of JS a second, which the interpreter and the baseline compiler do as well, while
//   the first function TurboFan compiles (a small Node-internal helper, seconds after start) makes
//   ~4 MiB of the Node binary's compiler code resident, for the process's life. Once the process
//   uses more than BUSY_CPU_MS of CPU in a WINDOW_MS window (a log flood, a deployment, a search),
//   TurboFan is on for good: log ingest then runs at full speed, after at most one window.
// Imported first by the agent (main.ts) and the log keeper; the bundle (scripts/build-agent.mjs) puts
// the first two in front of every chunk as well, for its other entry (the release unpacker).
import { setFlagsFromString } from "node:v8";

/** CPU time in one window that counts as work (at rest the agent uses 5-15 ms a second). */
const BUSY_CPU_MS = 200;
const WINDOW_MS = 2000;

setFlagsFromString("--semi-space-growth-factor=1");
const g = globalThis as { __stokerStartup?: boolean };
if (g.__stokerStartup === undefined) {
  g.__stokerStartup = true;
  setFlagsFromString("--optimize-for-size");
}
// Unguarded: this module runs once per process, and in the bundle the banner has set the guard above.
setFlagsFromString("--no-opt");

/** Start-up is over: V8 optimizes for speed again, and TurboFan comes on with the first work. */
export function startupDone(): void {
  g.__stokerStartup = false;
  setFlagsFromString("--no-optimize-for-size");
  let last = process.cpuUsage();
  const watch = setInterval(() => {
    const used = process.cpuUsage(last);
    last = process.cpuUsage();
    if ((used.user + used.system) / 1000 < BUSY_CPU_MS) return;
    setFlagsFromString("--opt"); // for good: the compiler's code stays resident once used anyway
    clearInterval(watch);
  }, WINDOW_MS);
  watch.unref();
}
