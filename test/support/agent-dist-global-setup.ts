// Global setup of the integration projects: builds what the tests start, once, before any file runs.
// Files run two at a time, and a build inside a file would race the other one: scripts/start.mjs
// runs a whole `npm run build` when its build is missing or stale, and scripts/build-agent.mjs first
// deletes dist/agent*.mjs (under a running agent, or an install test copying dist/).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { needsBuild } from "../../scripts/needs-build.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");

export default function setup(): void {
  // The agent bundle always: files start dist/agent.mjs itself and must run this checkout's agent.
  const argv = needsBuild(ROOT) ? ["npm", "run", "-s", "build"] : [process.execPath, "scripts/build-agent.mjs"];
  const built = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (built.status !== 0) throw new Error(`${argv.join(" ")} failed:\n${built.stdout}${built.stderr}`);
}
