// The log keeper: a small process that outlives the agent and keeps apps from stalling while the
// agent is away (DESIGN decision 12). Why a separate process: an app blocks once its 1 MiB output
// pipe is full, and only a live reader prevents that. The agent starts one keeper beside itself and
// holds a connection to it; the keeper does nothing until that connection drops (the agent died or
// stopped). Then it takes the pipes' read ends from the app processes (they keep them as fds 3 and
// 4, as for the agent's own adoption: pidfd_getfd) and stores their output with the same LogStore,
// into the same files, with the same index. The next agent asks for a handback: the keeper stops
// reading, closes the files, gives back the unfinished last lines it held and exits; the agent then
// adopts the processes and reads the pipes itself. Only one of the two ever writes a log, so the log
// format and the ingest thread stay as they are, and nothing is lost or reordered.
import { closeSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import path from "node:path";
import { LogStore, noteLine } from "../logs/log-store";
import { readAvailable, setNonBlocking, takeFd } from "../native";
import { isAlive } from "../supervisor/proc-stats";
import { readState } from "../supervisor/state-file";
import { type Handback, HANDBACK, keeperSocket } from "./keeper-protocol";

const TICK_MS = 20; // 1 MiB pipes absorb ~50 MB/s between reads
const FIRST_CONTACT_MS = 15_000;
const OUT_READ_FD = 3;
const ERR_READ_FD = 4;

type Pipe = { fd: number; pid: number; stream: "out" | "err"; store: LogStore };

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
const buf = Buffer.alloc(1 << 20);

function log(message: string): void {
  console.error(`[keeper ${process.pid}] ${message}`);
}

/** The agent is gone: read every live process's pipes until the next agent asks for them back. */
function startDraining(): void {
  if (timer) return;
  const since = new Date().toISOString();
  for (const app of readState(path.join(stateDir, "state.json"))) {
    const dir = path.join(stateDir, "logs", app.desired.appId);
    for (const p of app.processes) {
      if (!p.pid || !isAlive(p.pid, p.startTicks)) continue;
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
      for (const [fdNo, stream] of [[OUT_READ_FD, "out"], [ERR_READ_FD, "err"]] as const) {
        try {
          const fd = takeFd(p.pid, fdNo);
          setNonBlocking(fd);
          pipes.push({ fd, pid: p.pid, stream, store });
        } catch {
          // not ours to read (adopted from elsewhere, or the app closed it)
        }
      }
    }
  }
  log(`agent gone: keeping ${pipes.length} pipes of ${stores.size} apps`);
  if (pipes.length === 0) finish("no process to keep");
  timer = setInterval(drain, TICK_MS);
}

/** Every process it kept has ended: nothing is left to hand back, so a next agent needs no keeper. */
function finish(why: string): never {
  for (const store of stores.values()) store.close();
  log(`${why}: exiting`);
  server.close();
  rmSync(socketPath, { force: true });
  process.exit(0);
}

function drain(): void {
  for (const pipe of pipes) {
    for (;;) {
      const n = readAvailable(pipe.fd, buf);
      if (n < 0) break; // empty for now
      if (n === 0) {
        closeSync(pipe.fd);
        pipe.fd = -1;
        pipe.store.flush(pipe.pid); // the process has ended: its last line is whole now
        break;
      }
      pipe.store.write(pipe.pid, pipe.stream, buf.subarray(0, n));
    }
  }
  pipes = pipes.filter((p) => p.fd >= 0);
  for (const store of stores.values()) store.retryOutage(); // a full disk: note what was dropped once there is room
  if (pipes.length === 0) finish("every kept process has ended");
}

/** Stops reading and gives everything back: unfinished lines to the agent, pipes to nobody (it takes its own). */
function handBack(socket: Socket): void {
  if (timer) clearInterval(timer);
  timer = null;
  if (pipes.length) drain(); // what the pipes hold now is stored here, in order
  const held: Handback["held"] = [];
  for (const pipe of pipes) {
    const bytes = pipe.store.takeHeld(pipe.pid, pipe.stream);
    if (bytes) held.push({ pid: pipe.pid, stream: pipe.stream, bytes: bytes.toString("base64") });
    closeSync(pipe.fd);
  }
  for (const store of stores.values()) store.close();
  log(`handed back after storing ${storedLines} lines`);
  // The socket file goes first: the next keeper may bind the same path as soon as the agent has its answer.
  server.close();
  rmSync(socketPath, { force: true });
  socket.end(`${JSON.stringify({ storedLines, held } satisfies Handback)}\n`, () => process.exit(0));
}

rmSync(socketPath, { force: true });
const server = createServer((socket) => {
  contacted = true;
  let text = "";
  socket.on("data", (d) => {
    text += d;
    if (text.startsWith(HANDBACK)) handBack(socket);
  });
  // The lifeline: when the agent's connection ends without a handback, the agent is gone.
  socket.on("close", () => {
    if (!text.startsWith(HANDBACK)) startDraining();
  });
  socket.on("error", () => undefined);
});
server.listen(socketPath, () => log(`ready for ${stateDir}`));
// A keeper whose state dir is gone (the host's Stoker was removed) has nothing left to keep.
setInterval(() => {
  if (!existsSync(stateDir)) process.exit(0);
}, 5000).unref();
setTimeout(() => {
  if (!contacted) {
    log("no agent connected: exiting");
    process.exit(0);
  }
}, FIRST_CONTACT_MS).unref();
