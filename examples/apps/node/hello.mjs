// Stoker fixture: a node-fastcgi app on the inherited fd-0 socket. Answers every request with one
// line naming the language, the pid and APP_VERSION; on SIGTERM it drains in-flight requests, then exits.
import fcgi from "node-fastcgi";

if (process.env.CRASH_ON_START === "1") {
  throw new Error("CRASH_ON_START=1: this fixture refuses to start");
}

const version = process.env.APP_VERSION || "dev";
const DRAIN_LIMIT_MS = Number(process.env.DRAIN_LIMIT_MS || 10_000);
let inFlight = 0;
let stopping = false;

const server = fcgi.createServer((req, res) => {
  inFlight++;
  let counted = true;
  // A response ends with "finish" (sent) or "close" (client gone); count it down exactly once.
  const done = () => {
    if (!counted) return;
    counted = false;
    inFlight--;
    if (stopping && inFlight === 0 && open === 0) setImmediate(() => process.exit(0));
  };
  res.on("finish", done);
  res.on("close", done);
  // ?delay_ms=N lets tests hold a request open across a stop to prove it is finished, not cut.
  const delay = Number(new URL(req.url || "/", "http://x").searchParams.get("delay_ms") || 0);
  setTimeout(() => {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`hello from node pid=${process.pid} version=${version}\n`);
  }, Math.min(delay, 30_000));
});

server.listen({ fd: 0 });

// Node accepts connections eagerly, so at a stop some are accepted but their request not yet
// read: those count too. The web server closes each FastCGI connection after its response.
let open = 0;
server.on("connection", (socket) => {
  open++;
  socket.on("close", () => {
    open--;
    if (stopping && open === 0 && inFlight === 0) setImmediate(() => process.exit(0));
  });
});

function stop() {
  if (stopping) return;
  stopping = true;
  server.close(); // stops accepting
  if (inFlight === 0 && open === 0) process.exit(0);
  setTimeout(() => process.exit(0), DRAIN_LIMIT_MS).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
