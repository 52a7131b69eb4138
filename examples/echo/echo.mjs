#!/usr/bin/env node
// A FastCGI app that answers every request with its CGI params, the body length and the body's
// sha256 as JSON. Used to check what nginx/lighttpd/Apache really send for a mount.
// Usage: node echo.mjs /path/to.sock   (binds its own socket)   or   node echo.mjs   (socket on fd 0)
import { createHash } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import fcgi from "node-fastcgi";

const socketPath = process.argv[2];

function handler(req, res) {
  const hash = createHash("sha256");
  let length = 0;
  req.on("data", (chunk) => {
    hash.update(chunk);
    length += chunk.length;
  });
  req.on("end", () => {
    const body = JSON.stringify({ params: req.socket.params, bodyLength: length, sha256: hash.digest("hex"), socket: socketPath ?? "fd0" });
    // ?cookies=N adds N cookies of 1 KiB each: how much response header a server lets through.
    const cookies = Number(/(?:^|&)cookies=(\d+)/.exec(req.socket.params.QUERY_STRING ?? "")?.[1] ?? 0);
    const setCookie = Array.from({ length: Math.min(cookies, 256) }, (_, i) => `c${i}=${"x".repeat(1000)}; Path=/`);
    res.writeHead(200, { "Content-Type": "application/json", "X-Echo": "1", ...(cookies ? { "Set-Cookie": setCookie } : {}) });
    res.end(body);
  });
}

const server = fcgi.createServer(handler);
if (socketPath) {
  rmSync(socketPath, { force: true }); // a leftover socket file from a killed run would make listen fail
  server.listen(socketPath, () => {
    // The web server's workers run as another user (www-data); this demo socket is for tests only.
    chmodSync(socketPath, 0o666);
    process.stdout.write(`listening ${socketPath}\n`);
  });
} else {
  server.listen({ fd: 0 });
}
// Exit cleanly on SIGTERM so the socket file is removed by the listener's close.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
