// The agent's side of a handback: at start, before adopting anything, it takes back from the keeper
// the previous agent left what the keeper kept while no agent ran. The order matters, so that no
// byte and no queued connection is lost on the way:
// 1. the agent takes its own read ends of every live process's pipes (pidfd_getfd), not reading yet;
// 2. it asks for the handback: the keeper stops replacing processes, stores what the pipes hold, and
//    answers with the unfinished last lines, the events it saw and its pid and socket fds;
// 3. the agent takes the keeper's duplicates of the listening sockets, the pipes of processes the
//    keeper started after step 1, and the keeper's copies of pipes whose process ended before the
//    agent took its own (what was written after the keeper's last read is still in them), then lets
//    the keeper go.
// A process that exits anywhere in between still has a reader holding its pipes (the keeper, then
// the agent), and an app whose processes all exited meanwhile still has its socket, with what the
// web server queued on it.
import { connect, type Socket } from "node:net";
import path from "node:path";
import type { ProcessTransition } from "../../lib/protocol";
import { closeFd, takeFd } from "../native";
import { isAlive } from "../supervisor/proc-stats";
import { readState } from "../supervisor/state-file";
import { HANDBACK, HandbackSchema, keeperSocket } from "./keeper-protocol";

const OUT_READ_FD = 3;
const ERR_READ_FD = 4;

type HeldPipes = { appId: string; out: number | null; err: number | null };

const lines = new Map<string, Buffer>(); // `${pid}:${stream}` → unfinished line handed back
const pipes = new Map<number, HeldPipes>(); // pid → read ends taken before the handback
const sockets = new Map<string, { generation: number; fd: number }>(); // appId → the keeper's socket

/** An unfinished line the keeper held for this stream: it goes in front of the stream's next output. */
export function takeHandedBack(pid: number, stream: "out" | "err"): Buffer | undefined {
  const key = `${pid}:${stream}`;
  const bytes = lines.get(key);
  lines.delete(key);
  return bytes;
}

/** The read ends of a process's pipes, taken before the keeper let go of them (undefined: take them now). */
export function takeHeldPipes(pid: number): HeldPipes | undefined {
  const held = pipes.get(pid);
  pipes.delete(pid);
  return held;
}

/** The keeper's duplicate of an app's listening socket, if it held the one of this generation. */
export function takeHeldSocket(appId: string, generation: number): number | undefined {
  const held = sockets.get(appId);
  sockets.delete(appId);
  if (held && held.generation !== generation) closeFd(held.fd); // another generation's socket: not this app's any more
  return held?.generation === generation ? held.fd : undefined;
}

/** What adoption did not claim: pipes of processes that ended meanwhile (to be read to their end), sockets of apps gone. */
export function unclaimed(): { pipes: ({ pid: number } & HeldPipes)[]; sockets: number[] } {
  const left = { pipes: [...pipes].map(([pid, p]) => ({ pid, ...p })), sockets: [...sockets.values()].map((s) => s.fd) };
  pipes.clear();
  sockets.clear();
  return left;
}

function tryTake(pid: number, fd: number): number | null {
  try {
    return takeFd(pid, fd);
  } catch {
    return null; // gone, or not ours (the app closed it)
  }
}

/** Takes the pipes of every live process in the state file not held yet. */
function holdPipes(stateDir: string): void {
  for (const app of readState(path.join(stateDir, "state.json"))) {
    for (const p of app.processes) {
      if (!p.pid || p.foreign || pipes.has(p.pid) || !isAlive(p.pid, p.startTicks)) continue; // a foreign process has no pipes of ours
      const held = { appId: app.desired.appId, out: tryTake(p.pid, OUT_READ_FD), err: tryTake(p.pid, ERR_READ_FD) };
      if (held.out !== null || held.err !== null) pipes.set(p.pid, held);
    }
  }
}

function connectTo(file: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect(file);
    socket.once("connect", () => resolve(socket));
    socket.once("error", () => resolve(null));
  });
}

/** Sends `line`; resolves with the first line of the answer ("" if the connection ended or timed out first). */
function ask(socket: Socket, line: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const done = () => {
      clearTimeout(timer);
      resolve(text.includes("\n") ? text.slice(0, text.indexOf("\n")) : text);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (d) => {
      text += d;
      if (text.includes("\n")) done();
    });
    socket.on("close", done);
    socket.on("error", () => undefined);
    socket.write(line);
  });
}

export type TakenBack = { storedLines: number; events: ProcessTransition[] };

/**
 * Takes back what a keeper kept for a previous agent (see the top). Resolves with the lines it
 * stored meanwhile (0 without a keeper) and the exits and replacements it saw, for the timeline
 * (its replacements are in the state file already, adopted like any process).
 */
export async function takeBackFromKeeper(stateDir: string, timeoutMs = 10_000): Promise<TakenBack> {
  const none = { storedLines: 0, events: [] };
  const socket = await connectTo(keeperSocket(stateDir));
  if (!socket) return none;
  holdPipes(stateDir);
  const reply = await ask(socket, HANDBACK, timeoutMs);
  let parsed: ReturnType<typeof HandbackSchema.safeParse> | null = null;
  try {
    parsed = HandbackSchema.safeParse(JSON.parse(reply.trim() || "null"));
  } catch {
    // cut short: said below
  }
  if (!parsed?.success) {
    socket.destroy();
    console.error("[agent] the log keeper did not hand back cleanly; continuing without its held lines");
    return none;
  }
  const { keeper, held, events, storedLines } = parsed.data;
  for (const h of held) lines.set(`${h.pid}:${h.stream}`, Buffer.from(h.bytes, "base64"));
  for (const s of keeper ? parsed.data.sockets : []) {
    const fd = tryTake(keeper ?? 0, s.fd);
    if (fd !== null) sockets.set(s.appId, { generation: s.generation, fd });
  }
  holdPipes(stateDir); // processes the keeper started after the first look
  // A process that ended before either look: its pipe, with what it wrote after the keeper's last
  // read, lives on only in the keeper's copy.
  for (const p of keeper ? parsed.data.pipes : []) {
    const have = pipes.get(p.pid);
    if (have && have[p.stream] !== null) continue;
    const fd = tryTake(keeper ?? 0, p.fd);
    if (fd === null) continue;
    const entry = have ?? { appId: p.appId, out: null, err: null };
    entry[p.stream] = fd;
    pipes.set(p.pid, entry);
  }
  socket.end();
  return { storedLines, events };
}
