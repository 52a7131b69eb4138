// The agent process: `agent join URL TOKEN`, `agent enroll URL TOKEN`, `agent run`, `agent --config FILE`, `agent ctl OP APP`.
import { startupDone } from "./small-heap"; // first: before the rest of the agent allocates
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import * as z from "zod";
import { WebTargetsSchema } from "../lib/protocol";
import { enroll, readCredentials } from "./link/credentials";
import type { ControlLink } from "./link/control-link";
import { callLocalControl, serveLocalControl } from "./link/local-control";
import { readStandaloneConfig } from "./standalone-config";
import { lockStateDir } from "./state-lock";
import { Supervisor } from "./supervisor/supervisor";
import { startKeeper } from "./keeper/keeper-link";
import { takeBackFromKeeper } from "./keeper/keeper-handback";
import { agentBuild } from "./install/agent-build";
import { onShutdown } from "./install/self-restart";
import type { StateLock } from "./state-lock";

const LogPath = z.string().startsWith("/");
const WebErrorLogsSchema = z.strictObject({ nginx: LogPath.optional(), lighttpd: LogPath.optional(), apache: LogPath.optional() });

type Flags = Record<string, string | true>;

function parseArgs(argv: string[]): { positional: string[]; flags: Flags } {
  const positional: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2);
      if (v !== undefined) flags[k] = v;
      else if (argv[i + 1] && !argv[i + 1].startsWith("--")) flags[k] = argv[++i];
      else flags[k] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

const USAGE = `usage:
  stoker agent join URL TOKEN [--name NAME]   enroll this host, then run
  stoker agent enroll URL TOKEN [--name NAME] enroll this host and exit (install.sh)
  stoker agent run                            run with the stored host key
  stoker agent --config FILE                  run the apps in FILE, no control plane
  stoker agent ctl status|start|stop|restart|reload [APP]
  stoker agent --version                      version and build, as JSON
  stoker agent --help                         this text
options: --state-dir DIR (default $STOKER_DATA_DIR/agent), --socket-dirs A:B,
  --wait-lock SECONDS (wait for the agent it replaces to let go of the state dir),
  --urls URL,URL (or STOKER_CONTROL_URLS): more control-plane replicas to reconnect to
One agent runs per state dir; a second one refuses to start.`;

function str(flags: Flags, key: string): string | undefined {
  const v = flags[key];
  return typeof v === "string" ? v : undefined;
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const dataDir = path.resolve(process.env.STOKER_DATA_DIR ?? "data");
  const stateDir = path.resolve(str(flags, "state-dir") ?? path.join(dataDir, "agent"));
  const socketDirs = (str(flags, "socket-dirs") ?? process.env.STOKER_SOCKET_DIRS ?? `/run/stoker:${path.join(dataDir, "run")}`)
    .split(":")
    .filter(Boolean)
    .map((d) => path.resolve(d));
  const controlSocket = path.join(stateDir, "agent.sock");
  const [command = flags.config ? "config" : "run", ...rest] = positional;
  if (flags.help || flags.h || command === "help" || process.argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  if (flags.version) {
    // Loading this module loaded the native modules: an upgrade runs it to prove a bundle starts.
    console.log(JSON.stringify({ version: agentBuild().version, build: agentBuild().build, prefix: agentBuild().prefix }));
    return;
  }
  if (!["ctl", "config", "join", "run", "enroll"].includes(command)) throw new Error(`Unknown command "${command}".\n${USAGE}`);

  if (command === "ctl") {
    const [op, app] = rest;
    const request = op === "status" ? { op: "status" } : { op: `app.${op}`, appId: app };
    const reply = await callLocalControl(controlSocket, request);
    console.log(JSON.stringify(reply, null, 2));
    process.exitCode = typeof reply === "object" && reply && "ok" in reply && reply.ok ? 0 : 1;
    return;
  }

  if (command === "enroll") {
    const [url, token] = rest;
    if (!url || !token) throw new Error(USAGE);
    if (readCredentials(stateDir)) throw new Error(`This state dir (${stateDir}) is enrolled already; remove its agent.json to enroll it again.`);
    const creds = await enroll(url, token, str(flags, "name") ?? os.hostname(), stateDir);
    console.log(`[agent] enrolled with ${creds.url} as host ${creds.hostId}`);
    return;
  }

  const webTargets = WebTargetsSchema.parse(JSON.parse(process.env.STOKER_WEB_TARGETS ?? "{}"));
  // Without STOKER_WEB_ERROR_LOGS the agent follows the error logs of the servers it detects.
  const webErrorLogs = process.env.STOKER_WEB_ERROR_LOGS ? WebErrorLogsSchema.parse(JSON.parse(process.env.STOKER_WEB_ERROR_LOGS)) : undefined;
  // Before anything touches the state dir: a second agent must not adopt the first one's processes.
  const lock = await lockWaiting(stateDir, Number(str(flags, "wait-lock") ?? 0));
  const supervisor = new Supervisor({ stateDir, socketDirs, webTargets, webErrorLogs, detectWebServers: true });
  await supervisor.startWebServers();
  // The keeper stored the apps' output while no agent ran: it stops before any app log is opened
  // here, and as late as possible (everything else is up), so the pipes go unread only while the
  // processes are adopted.
  const handedBackAt = Date.now();
  const kept = await takeBackFromKeeper(stateDir);
  supervisor.reportPast(kept.events); // its replacements are in the state file: adopted next
  await supervisor.adoptAll();
  if (kept.storedLines || kept.events.length) {
    console.log(`[agent] the log keeper stored ${kept.storedLines} lines and saw ${kept.events.length} process events while no agent ran; its pipes were read again ${Date.now() - handedBackAt} ms after it let go`);
  }
  await startKeeper(stateDir);
  const control = serveLocalControl(controlSocket, supervisor);
  let link: ControlLink | null = null;

  if (command === "config") {
    const file = str(flags, "config");
    if (!file) throw new Error(USAGE);
    const refused = await supervisor.sync(readStandaloneConfig(file));
    for (const r of refused) console.error(`[agent] app "${r.name}" in ${file} is not running: ${r.message}`);
    console.log(`[agent] running ${supervisor.apps.size} app(s) from ${file}`);
  } else if (command === "join" || command === "run") {
    let creds = readCredentials(stateDir);
    const joinFile = str(flags, "join-file");
    if (command === "join") {
      const [url, token] = rest;
      if (!url || !token) throw new Error(USAGE);
      creds = await enroll(url, token, str(flags, "name") ?? os.hostname(), stateDir);
    } else if (!creds && joinFile) {
      // npm start's local agent: the control plane left a one-time token for it.
      const url = str(flags, "url");
      if (!url) throw new Error("--join-file needs --url");
      creds = await enroll(url, readFileSync(joinFile, "utf8").trim(), str(flags, "name") ?? os.hostname(), stateDir);
    }
    if (!creds) throw new Error(`This host is not enrolled yet.\n${USAGE}`);
    // Loaded only here: a standalone agent never needs the WebSocket client (or its TLS and zlib).
    const { ControlLink } = await import("./link/control-link");
    const more = (str(flags, "urls") ?? process.env.STOKER_CONTROL_URLS ?? "").split(",").map((u) => u.trim()).filter(Boolean);
    for (const u of more) if (!URL.canParse(u)) throw new Error(`--urls: ${u} is not a URL`);
    link = new ControlLink(creds, supervisor, undefined, more);
    link.start();
  } else {
    throw new Error(USAGE);
  }

  startupDone(); // the apps are adopted and started, the link is up: V8 optimizes for speed again
  // Stopping the agent never stops the apps: the next agent adopts them.
  const shutdown = () => {
    link?.stop();
    control.close();
    supervisor.detachAll();
    lock.release();
    process.exit(0);
  };
  onShutdown(shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

/** The state dir's lock; after an upgrade the new agent waits here while the old one hands over. */
async function lockWaiting(stateDir: string, waitS: number): Promise<StateLock> {
  const deadline = Date.now() + Math.max(0, waitS) * 1000;
  for (;;) {
    try {
      return lockStateDir(stateDir);
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
