// `npm start`: migrate the database, build the dashboard if needed, then run the control plane,
// a local agent that enrolls itself, and (through it) the demo app; `npm run server` the same
// without the agent (a replica). Ctrl-C stops Stoker; apps keep running.
// The control plane and the agent are supervised apart: either one that dies is restarted with
// backoff, and the death of one never stops the other (DESIGN decision 12; in production the agent
// runs under systemd instead: examples/systemd/stoker-agent.service).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { needsBuild } from "./needs-build.mjs";

// `npm run server` (--no-agent): a control plane alone, as each replica on PostgreSQL runs.
const serverOnly = process.argv.includes("--no-agent");
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

// Before anything else: a control plane still on the port would answer the health check below in
// place of the new one (and get a second agent started against it).
async function portFree(host, port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (e) => resolve(e.code !== "EADDRINUSE" && e.code !== "EACCES" ? true : e.code));
    probe.listen(Number(port), host, () => probe.close(() => resolve(true)));
  });
}
const free = await portFree(env.HOST, env.PORT);
if (free !== true) {
  console.error(
    free === "EADDRINUSE"
      ? `[stoker] ${env.HOST}:${env.PORT} is already in use (an earlier Stoker still running?). Stop it, or start on another port: PORT=3001 npm start`
      : `[stoker] cannot listen on ${env.HOST}:${env.PORT} (${free}). Start on another port: PORT=3001 npm start`,
  );
  process.exit(1);
}
// The health check must reach the server started here: it answers with this nonce.
env.STOKER_START_NONCE = randomBytes(12).toString("hex");

// A checkout installed before the PostgreSQL client existed has only SQLite's: generate both (the
// build and the server import them).
if (!existsSync("generated/prisma/client.ts") || !existsSync("generated/prisma-pg/client.ts")) {
  const g = spawnSync(process.execPath, ["scripts/postinstall.mjs"], { encoding: "utf8", env });
  if (g.status !== 0) {
    console.error(`${g.stdout ?? ""}${g.stderr ?? ""}\n[stoker] generating the Prisma clients failed`);
    process.exit(g.status ?? 1);
  }
}

// In a child process: the migration engine keeps its SQLite connection (and lock) until it exits.
// Their output is shown when it says something: applied migrations, or a failure (the build's route
// table and progress are noise on every first start).
const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { encoding: "utf8", env });
const migrateOut = `${migrated.stdout ?? ""}${migrated.stderr ?? ""}`.trim();
if (migrated.status !== 0 || !/^No pending migrations\.$/m.test(migrateOut)) console.log(migrateOut.replace(/^/gm, "[stoker] "));
if (migrated.status !== 0) process.exit(migrated.status ?? 1);
if (needsBuild()) {
  console.log("[stoker] building the dashboard (first start, or the sources changed: a few minutes on a small machine)…");
  const r = spawnSync("npm", ["run", "build"], { encoding: "utf8", env, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) {
    console.error(`${r.stdout ?? ""}${r.stderr ?? ""}`);
    console.error("[stoker] the build failed (its output is above)");
    process.exit(r.status ?? 1);
  }
}

const node = (args, extraEnv = {}, stdio = "inherit") =>
  spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/node-hooks.mjs", ...args], {
    stdio,
    env: { ...env, ...extraEnv },
  });

let stopping = false;
const children = new Map(); // name → the running ChildProcess
// From here on, not only once the server answers: a SIGTERM while it starts (a test's timeout, Ctrl-C
// during a slow first start) would otherwise end this process and leave the server running, orphaned.
const stop = () => {
  stopping = true;
  if (!children.size) process.exit(0);
  for (const child of children.values()) child.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

/**
 * Runs `start()` and starts it again whenever it exits, with backoff (1 s doubling to 30 s; back to
 * 1 s once a run lasted a minute). Resolves with the first child.
 */
function keep(name, start) {
  let backoffMs = 1000;
  const run = () => {
    const child = start();
    const startedAt = Date.now();
    children.set(name, child);
    child.on("exit", (code, signal) => {
      if (children.get(name) === child) children.delete(name);
      if (stopping) {
        if (!children.size) process.exit(0);
        return;
      }
      if (Date.now() - startedAt > 60_000) backoffMs = 1000;
      console.error(`[stoker] the ${name} exited (${signal ?? `code ${code}`}); starting it again in ${backoffMs / 1000} s`);
      setTimeout(run, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    });
    return child;
  };
  return run();
}

// How long a control plane that is alive but not answering yet is waited for. Its start (tsx, Next)
// took over a minute on a loaded 2-core machine, where a fixed 600 polls (~60 s) gave up on it,
// stopped it and ended npm start.
const SERVER_START_WAIT_MS = 10 * 60_000;

async function waitForServer(server) {
  const startedAt = Date.now();
  let said = false;
  while (Date.now() - startedAt < SERVER_START_WAIT_MS) {
    if (server.exitCode !== null) throw new Error("the control plane exited while starting (its error is above)");
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(5000) });
      // Another server on the port would answer too: only our nonce proves it is the one started here.
      if (res.ok && (await res.json()).instance === env.STOKER_START_NONCE) return;
    } catch {
      // not up yet
    }
    if (!said && Date.now() - startedAt > 30_000) {
      said = true;
      console.log("[stoker] the control plane is still starting (a busy or small machine takes longer)…");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the control plane did not answer on ${url} within ${SERVER_START_WAIT_MS / 60_000} minutes`);
}

// The server sends its start-up block (where it runs, how to log in, the demo app) over IPC: printed
// once, not again each time a control plane that died is started again.
let summaryShown = false;
const server = keep("control plane", () => {
  const child = node(["server.ts"], serverOnly ? {} : { STOKER_LOCAL_AGENT: "1" }, ["inherit", "inherit", "inherit", "ipc"]);
  child.on("message", (msg) => {
    if (summaryShown || msg?.type !== "stoker.summary" || typeof msg.text !== "string") return;
    summaryShown = true;
    console.log(msg.text);
  });
  return child;
});
try {
  await waitForServer(server);
} catch (e) {
  console.error(`[stoker] ${e.message}`);
  stopping = true;
  server.kill("SIGTERM");
  process.exit(1);
}
if (!serverOnly) {
  const stateDir = path.join(env.STOKER_DATA_DIR, "agent");
  // The bundled agent when built (less memory); the TypeScript sources otherwise.
  const agentArgs = ["run", "--url", url, "--join-file", path.join(stateDir, "local-join-token"), "--name", "local"];
  keep("agent", () =>
    existsSync("dist/agent.mjs") ? spawn(process.execPath, ["dist/agent.mjs", ...agentArgs], { stdio: "inherit", env }) : node(["agent/main.ts", ...agentArgs]),
  );
}

