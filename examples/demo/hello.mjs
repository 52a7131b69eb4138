// Stoker's demo FastCGI app (node-fastcgi): serves on the listening socket it inherits as fd 0,
// says who answered, prints one access line per request, and stops gracefully on SIGTERM.
import { createRequire } from "node:module";

const fcgi = createRequire(import.meta.url)("node-fastcgi");
const startedAt = new Date();
let served = 0;

const server = fcgi.createServer((req, res) => {
  served++;
  const url = req.url ?? "/";
  if (url.startsWith("/fail")) {
    console.error(`Error: demo failure requested at ${url}\n    at handler (${import.meta.url}:14:5)`);
    res.writeHead(500, { "Content-Type": "text/plain" });
    res.end("demo failure\n");
    return;
  }
  const body = [
    "<!doctype html><title>Stoker demo</title>",
    "<h1>Hello from the Stoker demo app</h1>",
    `<p>pid ${process.pid} · started ${startedAt.toISOString()} · request #${served} · ${process.env.APP_VERSION ?? "dev"}</p>`,
  ].join("\n");
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "X-Served-By": String(process.pid) });
  res.end(body);
  console.log(`${new Date().toISOString()} ${req.method} ${url} 200 pid=${process.pid}`);
});

server.listen({ fd: 0 }, () => console.log(`demo app ${process.pid} listening on fd 0`));

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
