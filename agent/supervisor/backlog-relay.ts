// Serves the backlog of a retired listening socket: each connection queued on it is accepted and
// relayed byte for byte to the socket now on the app's path. An app that binds its own socket
// leaves one behind at every replacement (its listener, of which the agent holds a copy so that
// what queued on it while no process accepted is not reset, app-bound-listener.ts); a whole-app
// restart leaves the old generation's socket, whose processes may exit before its queue is empty
// (restart-swap.ts, recover-generation.ts). A plain stream pipe in both directions: the FastCGI
// records are not read, so any protocol passes.
import { connect, createServer, type Socket } from "node:net";
import { closeFd, dupFd } from "../native";
import { hasQueued } from "./socket-use";

/** How long the retired socket must stay quiet: a connect() that resolved the path just before the swap may queue late. */
const QUIET_MS = 100;
/** However busy, the retired socket is closed after this long (new connections reach the new socket anyway). */
const MAX_MS = 30_000;
/** A relayed connection with no byte either way for this long is cut (nginx's own fastcgi_read_timeout is 60 s). */
const IDLE_MS = 120_000;

function relay(client: Socket, target: string, onDone: () => void): void {
  const upstream = connect({ path: target, allowHalfOpen: true });
  let finished = false;
  const done = () => {
    if (finished) return;
    finished = true;
    client.destroy();
    upstream.destroy();
    onDone();
  };
  for (const s of [client, upstream]) {
    s.setTimeout(IDLE_MS, done);
    s.on("error", done);
    s.on("close", () => {
      // One side closed entirely: the other gets what was in flight, then closes too.
      if (s === upstream) client.end();
      else upstream.end();
      if (client.destroyed && upstream.destroyed) done();
    });
  }
  client.pipe(upstream); // ends the write side of each when the other's read side ends (half-close passes)
  upstream.pipe(client);
}

/**
 * Relays every connection queued on listening socket `fd` (no longer on the app's path) to the
 * Unix socket at `target`, until `fd` has been quiet for a moment; then closes `fd`. Resolves with
 * how many connections were relayed, once the last relayed one has ended.
 */
export function relayBacklog(fd: number, target: string): Promise<number> {
  return new Promise((resolve) => {
    let relayed = 0;
    let open = 0;
    let closed = false;
    let lastAccept = Date.now();
    const began = Date.now();
    const settle = () => {
      if (closed && open === 0) resolve(relayed);
    };
    const server = createServer({ allowHalfOpen: true }, (client) => {
      relayed++;
      open++;
      lastAccept = Date.now();
      relay(client, target, () => {
        open--;
        settle();
      });
    });
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      server.close(); // closes the duplicate at once: nothing more is accepted
      closeFd(fd);
      settle();
    };
    server.on("error", close);
    const timer = setInterval(() => {
      const quiet = Date.now() - lastAccept >= QUIET_MS && !hasQueued(fd);
      if (quiet || Date.now() - began > MAX_MS) close();
    }, 10);
    try {
      server.listen({ fd: dupFd(fd), backlog: 1024 });
    } catch {
      close();
    }
  });
}
