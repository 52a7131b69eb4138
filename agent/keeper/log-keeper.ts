// The log keeper: a small process that outlives the agent and keeps apps from stalling while the
// agent is away (DESIGN decision 12). Why a separate process: an app blocks once its 1 MiB output
// pipe is full, and only a live reader prevents that. The agent starts one keeper beside itself and
// holds a connection to it; the keeper does nothing until that connection drops (the agent died or
// stopped). Then it takes the pipes' read ends from the app processes (they keep them as fds 3 and
// 4, as for the agent's own adoption: pidfd_getfd) and stores their output with the same LogStore,
// into the same files, with the same index (moving whole lines out of the pipes: pipe-lines.ts, so a
// kill of either loses none). The next agent asks for a handback: the keeper stops reading, closes
// the files, gives back any unfinished last lines it held and exits; the agent then
// adopts the processes and reads the pipes itself. Only one of the two ever writes a log, so the log
// format and the agent's log ingest stay as they are, and nothing is lost or reordered. Meanwhile it also
// replaces app processes that exit (standby.ts), with the recipe the agent sent over the lifeline.
import { startupDone } from "../small-heap"; // first: before the rest of the keeper allocates
import { isoNow } from "../../lib/protocol/iso-time";
import { chmodSync, closeSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import path from "node:path";
import { noteLine } from "../logs/line-shape";
import { LogStore } from "../logs/log-store";
import { setNonBlocking, takeFd } from "../native";
import { PipeLines } from "../logs/pipe-lines";
import { isAlive } from "../supervisor/proc-stats";
import { readState } from "../supervisor/state-file";
import { HANDBACK, type Handback, keeperSocket, StandbyMessageSchema } from "./keeper-protocol";
import { PipeCopies } from "./pipe-copies";
import { Standby } from "./standby";

const TICK_MS = 20; // 1 MiB pipes absorb ~50 MB/s between reads
const FIRST_CONTACT_MS = 15_000;
const OUT_READ_FD = 3;
const ERR_READ_FD = 4;
/** The agent's recipes are a few KB per app; a lifeline sending more than this is not an agent. */
const MAX_MESSAGE_BYTES = 32 << 20;
/** How long a handed-back keeper waits for the agent to take its sockets and hang up. */
const HANG_UP_MS = 10_000;

type Pipe = { fd: number; appId: string; pid: number; stream: "out" | "err"; store: LogStore };

const stateDir = path.resolve(process.argv[2] ?? "");
if (!process.argv[2]) {
  console.error("usage: log-keeper STATE_DIR");
  process.exit(2);
}
const socketPath = keeperSocket(stateDir);
const stores = new Map<string, LogStore>();
let pipes: Pipe[] = [];
let timer: NodeJS.Timeout | null = null;
let storedLines = 0;
let contacted = false;
let since = "";
let closing = false;
const lines = new PipeLines(); // moves the pipes' whole lines into the logs: a kill of the keeper loses none either

function log(message: string): void {
  console.error(`[keeper ${process.pid}] ${message}`);
}

// Its own read ends of every named process's pipes, held (unread) while the agent lives: pipe-copies.ts.
const copies = new PipeCopies(stateDir);
const standby = new Standby(stateDir, (appId, pid, outR, errR) => keepPipes(appId, pid, [[outR, "out"], [errR, "err"]]), log);

function storeOf(appId: string): LogStore {
  const dir = path.join(stateDir, "logs", appId);
  let store = stores.get(dir);
  if (!store) {
    mkdirSync(dir, { recursive: true });
    store = new LogStore(dir);
    store.onBatch((batch) => {
      storedLines += batch.pid ? batch.lines().length : 0;
    });
    store.write(0, "err", noteLine(`agent away since ${since}: the log keeper stores output until it is back`));
    stores.set(dir, store);
  }
  return store;
}

function keepPipes(appId: string, pid: number, fds: [number, "out" | "err"][]): void {
  const store = storeOf(appId);
  for (const [fd, stream] of fds) {
    setNonBlocking(fd);
    pipes.push({ fd, appId, pid, stream, store });
  }
}

/** The agent is gone: read every live process's pipes until the next agent asks for them back. */
function startDraining(): void {
  if (timer) return;
  since = isoNow();
  // First the processes the agent forked but had not written down: their pipes are read like the others'.
  const saved = standby.nameUnnamed(readState(path.join(stateDir, "state.json")));
  // The copies taken while the agent lived, those of processes that exited as it died too: what
  // they wrote last is in no other reader's hands.
  const copied = new Set<number>();
  for (const copy of copies.takeAll()) {
    keepPipes(copy.appId, copy.pid, copy.fds);
    copied.add(copy.pid);
  }
  for (const app of saved) {
    for (const p of app.processes) {
      if (!p.pid || p.foreign || copied.has(p.pid) || !isAlive(p.pid, p.startTicks)) continue; // a foreign process has no pipes of ours
      const fds: [number, "out" | "err"][] = [];
      for (const [fdNo, stream] of [[OUT_READ_FD, "out"], [ERR_READ_FD, "err"]] as const) {
        try {
          fds.push([takeFd(p.pid, fdNo), stream]);
        } catch {
          // not ours to read (adopted from elsewhere, or the app closed it)
        }
      }
      if (fds.length) keepPipes(app.desired.appId, p.pid, fds);
    }
  }
  standby.begin(saved);
  log(`agent gone: keeping ${pipes.length} pipes of ${stores.size} apps`);
  timer = setInterval(drain, TICK_MS);
  drain();
}

function drain(): void {
  let ended = false;
  for (const pipe of pipes) {
    for (;;) {
      const n = lines.take(pipe.store, pipe.pid, pipe.stream, pipe.fd);
      if (n < 0) break; // empty for now, or only an unfinished line (it waits in the pipe for its newline)
      if (n === 0) {
        closeSync(pipe.fd);
        pipe.fd = -1;
        pipe.store.flush(pipe.pid, [pipe.stream]); // the pipe has ended: its last line is whole now
        ended = true;
        break;
      }
    }
  }
  pipes = pipes.filter((p) => p.fd >= 0);
  for (const store of stores.values()) store.retryOutage(); // a full disk: note what was dropped once there is room
  standby.check(ended); // an ended pipe is most often an exited process: replaced at once
  if (pipes.length === 0 && !standby.busy()) closeDown("every kept process has ended");
}

/**
 * The keeper's one way out. With `to` (a new agent asked): what the pipes hold now is stored here, in
 * order, and the unfinished lines, the events, the sockets and the pipes it holds go back to it; the
 * agent takes the pipes it has no copy of (their process ended meanwhile) and the sockets, then hangs up.
 * Without: nothing is left to keep, or no one to keep it for.
 */
function closeDown(why: string, to?: Socket): void {
  if (closing) return;
  closing = true;
  if (timer) clearInterval(timer);
  timer = null;
  const { events, sockets } = standby.handOver();
  for (const copy of copies.takeAll()) for (const [fd] of copy.fds) closeSync(fd); // handed back with the agent alive: it has its own
  if (to && pipes.length) drain();
  const held: Handback["held"] = [];
  const handed: Handback["pipes"] = [];
  for (const pipe of pipes) {
    const bytes = to ? pipe.store.takeHeld(pipe.pid, pipe.stream) : null;
    if (bytes) held.push({ pid: pipe.pid, stream: pipe.stream, bytes: bytes.toString("base64") });
    // Left open for the agent (closed when this process exits): a process that ends before the agent
    // takes its own copy would otherwise take what it wrote since the last drain with it.
    if (to) handed.push({ appId: pipe.appId, pid: pipe.pid, stream: pipe.stream, fd: pipe.fd });
    else closeSync(pipe.fd);
  }
  pipes = [];
  for (const store of stores.values()) store.close();
  log(`${why}: exiting after storing ${storedLines} lines and ${events.length} process events`);
  // The socket file goes first: the next keeper may bind the same path as soon as the agent has its answer.
  server.close();
  rmSync(socketPath, { force: true });
  if (!to) process.exit(0);
  setTimeout(() => process.exit(0), HANG_UP_MS).unref();
  to.on("close", () => process.exit(0));
  to.write(`${JSON.stringify({ storedLines, held, events, keeper: process.pid, sockets, pipes: handed } satisfies Handback)}\n`);
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

rmSync(socketPath, { force: true });
const server = createServer((socket) => {
  contacted = true;
  let text = "";
  let handback = false;
  socket.on("data", (d) => {
    text += d;
    if (text.length > MAX_MESSAGE_BYTES) {
      socket.destroy();
      return;
    }
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
      const line = text.slice(0, nl + 1);
      text = text.slice(nl + 1);
      if (line === HANDBACK) {
        handback = true;
        closeDown("handed back", socket);
        return;
      }
      const message = StandbyMessageSchema.safeParse(parseJson(line));
      if (message.success) standby.setRecipes(message.data.apps, message.data.agent);
      else log(`ignored a message that is not a standby list: ${message.error.message.slice(0, 200)}`);
    }
  });
  // The lifeline: when the agent's connection ends without a handback, the agent is gone.
  socket.on("close", () => {
    if (!handback) startDraining();
  });
  socket.on("error", () => undefined);
});
server.listen(socketPath, () => {
  chmodSync(socketPath, 0o600); // it takes launch recipes: only the agent's own user may connect
  log(`ready for ${stateDir}`);
  copies.start();
  startupDone(); // it may soon store a flood of lines: V8 optimizes for speed again
});
// A keeper whose state dir is gone (the host's Stoker was removed) has nothing left to keep, and
// what it started itself no one could ever find.
setInterval(() => {
  if (existsSync(stateDir)) return;
  standby.stopOwn();
  process.exit(0);
}, 1000).unref();
setTimeout(() => {
  if (!contacted) {
    log("no agent connected: exiting");
    process.exit(0);
  }
}, FIRST_CONTACT_MS).unref();
