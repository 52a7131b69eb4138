// The agent's side of the log keeper (log-keeper.ts) while it runs: start a keeper of its own, hold
// the lifeline to it (starting another if it dies), and tell it on that line how the apps'
// processes are started, so it can replace them while this agent is away. (Taking back from the
// previous agent's keeper at start: keeper-handback.ts.)
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { keeperSocket, type StandbyApp } from "./keeper-protocol";

let lifeline: Socket | null = null;
let standby = ""; // the last recipes sent, sent again to a new keeper

/** Tells the keeper how each app's processes are started (sent only when that changed). */
export function offerStandby(apps: StandbyApp[]): void {
  const line = `${JSON.stringify({ type: "standby", agent: process.pid, apps })}\n`;
  if (line === standby) return;
  standby = line;
  lifeline?.write(line);
}

function connectTo(file: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect(file);
    socket.once("connect", () => resolve(socket));
    socket.once("error", () => resolve(null));
  });
}

function keeperCommand(): string[] {
  // The bundled agent has dist/log-keeper.mjs beside it; from source, tsx runs the TypeScript.
  const fromSource = import.meta.url.endsWith(".ts");
  const here = path.dirname(new URL(import.meta.url).pathname);
  return fromSource ? ["--import", "tsx", path.join(here, "log-keeper.ts")] : [path.join(here, "log-keeper.mjs")];
}

/** Starts this agent's keeper and holds the lifeline to it; a keeper that dies is replaced. */
export async function startKeeper(stateDir: string): Promise<void> {
  const logFd = openSync(path.join(stateDir, "keeper.log"), "a");
  const child = spawn(process.execPath, [...keeperCommand(), stateDir], {
    detached: true, // its own session: signals to the agent's group do not reach it
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  child.unref();
  let line: Socket | null = null;
  for (let i = 0; i < 100 && !line; i++) {
    await new Promise((r) => setTimeout(r, 50));
    line = await connectTo(keeperSocket(stateDir));
  }
  if (!line) {
    console.error("[agent] the log keeper did not start; apps may stall on output while this agent is away");
    return;
  }
  lifeline = line;
  line.unref();
  line.on("error", () => undefined);
  if (standby) line.write(standby);
  line.on("close", () => {
    if (lifeline === line) lifeline = null;
    console.error("[agent] the log keeper ended; starting another");
    setTimeout(() => void startKeeper(stateDir), 1000).unref();
  });
}
