// `npm start`: migrate the database, build the dashboard if needed, then run the control plane,
// a local agent that enrolls itself, and (through it) the demo app. Ctrl-C stops Stoker; apps keep running.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);
const env = {
  ...process.env,
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  PORT: process.env.PORT ?? "3000",
  HOST: process.env.HOST ?? "127.0.0.1",
  STOKER_DATA_DIR: path.resolve(process.env.STOKER_DATA_DIR ?? "data"),
};
const url = `http://${env.HOST}:${env.PORT}${env.STOKER_BASE_PATH ?? ""}`;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  const id = `${process.env.STOKER_DIST_DIR || ".next"}/BUILD_ID`;
  if (!existsSync(id)) return true;
  const built = statSync(id).mtimeMs;
  if (["app", "components", "lib"].some((d) => newestMtime(d) > built) || statSync("next.config.js").mtimeMs > built) return true;
  return !existsSync("dist/agent.mjs") || !existsSync("dist/ingest-worker.mjs") || newestMtime("agent") > statSync("dist/agent.mjs").mtimeMs || newestMtime("lib/protocol") > statSync("dist/agent.mjs").mtimeMs;
}

// In a child process: the migration engine keeps its SQLite connection (and lock) until it exits.
const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { stdio: "inherit", env });
if (migrated.status !== 0) process.exit(migrated.status ?? 1);
if (needsBuild()) {
  console.log("[stoker] building the dashboard (first start only, ~30 s)…");
  const r = spawnSync("npm", ["run", "build"], { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const node = (args, extraEnv = {}) =>
  spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/node-hooks.mjs", ...args], {
    stdio: "inherit",
    env: { ...env, ...extraEnv },
  });

const server = node(["server.ts"], { STOKER_LOCAL_AGENT: "1" });
let agent = null;
server.on("exit", (code) => {
  agent?.kill("SIGTERM");
  process.exit(code ?? 0);
});

async function waitForServer() {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the control plane did not answer on ${url}`);
}

await waitForServer();
const stateDir = path.join(env.STOKER_DATA_DIR, "agent");
// The bundled agent when built (less memory); the TypeScript sources otherwise.
const agentArgs = ["run", "--url", url, "--join-file", path.join(stateDir, "local-join-token"), "--name", "local"];
agent = existsSync("dist/agent.mjs")
  ? spawn(process.execPath, ["dist/agent.mjs", ...agentArgs], { stdio: "inherit", env })
  : node(["agent/main.ts", ...agentArgs]);

const login = process.env.STOKER_ADMIN_EMAIL
  ? `log in as ${process.env.STOKER_ADMIN_EMAIL}`
  : "open it and create the owner account on the first visit (or set STOKER_ADMIN_EMAIL and STOKER_ADMIN_PASSWORD)";
console.log(`\n  Stoker is running: ${url}/\n  ${login}\n  Ctrl-C stops Stoker; apps keep running and are adopted on the next start.\n`);

const stop = () => {
  agent?.kill("SIGTERM");
  server.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
