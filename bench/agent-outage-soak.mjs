// Soak: the agent SIGKILLed under load and kept away for 10 minutes (default), then restarted: the
// same fault test as `npm test` runs for 30 s (test/faults/agent-outage.soak.test.ts), held ten times
// longer. Prints its figures line; docs/FAULTS.md keeps the last run's.
// Run: node bench/agent-outage-soak.mjs [minutes]   (loopback, temp dirs; bounded by its own timeout)
import { spawnSync } from "node:child_process";
import path from "node:path";

const minutes = Number(process.argv[2] ?? 10);
const root = path.resolve(import.meta.dirname, "..");
const outageMs = Math.round(minutes * 60_000);
const r = spawnSync("npx", ["vitest", "run", "--project", "soak", "test/faults/agent-outage.soak.test.ts"], {
  cwd: root,
  env: { ...process.env, STOKER_FAULT_OUTAGE_MS: String(outageMs) },
  encoding: "utf8",
  timeout: outageMs + 10 * 60_000,
});
const out = `${r.stdout}\n${r.stderr}`;
const figures = out.split("\n").filter((l) => l.includes("[agent outage") || /AssertionError|Tests +\d/.test(l));
console.log(figures.length ? figures.join("\n") : out);
process.exit(r.status ?? 1);
