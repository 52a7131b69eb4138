// The agent's side of the log keeper (log-keeper.ts): at start, take back the pipes from the keeper
// the previous agent left (and the unfinished lines it held), then start a keeper of its own and
// hold the lifeline to it, starting another if it dies.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { HANDBACK, HandbackSchema, keeperSocket } from "./keeper-protocol";

const held = new Map<string, Buffer>(); // `${pid}:${stream}` → unfinished line handed back

/** An unfinished line the keeper held for this stream: it goes in front of the stream's next output. */
export function takeHandedBack(pid: number, stream: "out" | "err"): Buffer | undefined {
  const key = `${pid}:${stream}`;
  const bytes = held.get(key);
  held.delete(key);
  return bytes;
}

function connectTo(file: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect(file);
    socket.once("connect", () => resolve(socket));
    socket.once("error", () => resolve(null));
  });
}

/**
 * Before adopting anything: if a keeper is storing output for a previous agent, make it stop and
 * give back what it held. Resolves with the lines it stored meanwhile (0 without a keeper).
 */
export async function takeBackFromKeeper(stateDir: string, timeoutMs = 10_000): Promise<number> {
  const socket = await connectTo(keeperSocket(stateDir));
  if (!socket) return 0;
  const reply = await new Promise<string>((resolve) => {
    let text = "";
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (d) => (text += d));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on("error", () => undefined);
    socket.write(HANDBACK);
  });
  const parsed = HandbackSchema.safeParse(JSON.parse(reply.trim() || "null"));
  if (!parsed.success) {
    console.error("[agent] the log keeper did not hand back cleanly; continuing without its held lines");
    return 0;
  }
  for (const h of parsed.data.held) held.set(`${h.pid}:${h.stream}`, Buffer.from(h.bytes, "base64"));
  return parsed.data.storedLines;
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
  let lifeline: Socket | null = null;
  for (let i = 0; i < 100 && !lifeline; i++) {
    await new Promise((r) => setTimeout(r, 50));
    lifeline = await connectTo(keeperSocket(stateDir));
  }
  if (!lifeline) {
    console.error("[agent] the log keeper did not start; apps may stall on output while this agent is away");
    return;
  }
  lifeline.unref();
  lifeline.on("error", () => undefined);
  lifeline.on("close", () => {
    console.error("[agent] the log keeper ended; starting another");
    setTimeout(() => void startKeeper(stateDir), 1000).unref();
  });
}
