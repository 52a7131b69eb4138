// Soak: the agent SIGKILLed under load and kept away for 10 minutes (default), then restarted: the
// same fault test as `npm test` runs for 30 s (test/faults/agent-outage.int.test.ts), held ten times
// longer. Prints its figures line; docs/FAULTS.md keeps the last run's.
// Run: node bench/agent-outage-soak.mjs [minutes]   (loopback, temp dirs; bounded by its own timeout)
import { spawnSync } from "node:child_process";
import path from "node:path";

const minutes = Number(process.argv[2] ?? 10);
const root = path.resolve(import.meta.dirname, "..");
const outageMs = Math.round(minutes * 60_000);
const r = spawnSync("npx", ["vitest", "run", "test/faults/agent-outage.int.test.ts"], {
  cwd: root,
  env: { ...process.env, STOKER_FAULT_OUTAGE_MS: String(outageMs) },
  encoding: "utf8",
  timeout: outageMs + 10 * 60_000,
});
const figures = `${r.stdout}\n${r.stderr}`.split("\n").find((l) => l.includes("[agent outage"));
console.log(figures ?? `${r.stdout}\n${r.stderr}`);
process.exit(r.status ?? 1);
