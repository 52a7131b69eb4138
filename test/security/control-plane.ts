// An in-process control plane for the security suite: a migrated database in a temp dir, the real
// route handlers under app/api/v1 behind a plain node:http server, and the real upgrade handler
// (lib/http/ws-upgrade) that server.ts uses. Next's page rendering is the only part left out.
// Import this module before anything from lib: it sets STOKER_DATA_DIR, which lib reads at import.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";

export const dataDir = mkdtempSync(path.join(tmpdir(), "stoker-security-"));
process.env.STOKER_DATA_DIR = dataDir;

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type RouteEntry = { pattern: RegExp; names: string[]; module: Record<string, Handler | undefined> };

const ROOT = path.resolve(import.meta.dirname, "../..");
const API = path.join(ROOT, "app/api/v1");

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? routeFiles(p) : name === "route.ts" ? [p] : [];
  });
}

async function loadRoutes(): Promise<RouteEntry[]> {
  const entries: RouteEntry[] = [];
  for (const file of routeFiles(API)) {
    const rel = path.dirname(path.relative(API, file));
    const names: string[] = [];
    const source = rel
      .split("/")
      .map((seg) => {
        const m = /^\[(\w+)\]$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(m[1]);
        return "([^/]+)";
      })
      .join("/");
    entries.push({ pattern: new RegExp(`^/api/v1/${source}$`), names, module: (await import(file)) as RouteEntry["module"] });
  }
  // Static segments before dynamic ones, as Next matches them.
  return entries.sort((a, b) => a.names.length - b.names.length);
}

async function respond(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [k, v] of response.headers) if (k !== "set-cookie") res.setHeader(k, v);
  const cookies = response.headers.getSetCookie(); // several Set-Cookie headers stay several
  if (cookies.length) res.setHeader("set-cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of Readable.fromWeb(response.body as import("node:stream/web").ReadableStream)) res.write(chunk);
  res.end();
}

export type ControlPlane = { url: string; port: number; server: Server; close(): Promise<void> };

export async function startControlPlane(): Promise<ControlPlane> {
  // A child process: the migration engine keeps its SQLite lock until its process exits.
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { cwd: ROOT, env: { ...process.env, STOKER_DATA_DIR: dataDir } });
  if (migrated.status !== 0) throw new Error(`migration failed: ${migrated.stderr}`);
  const routes = await loadRoutes();
  const { createUpgradeHandler } = await import("@/lib/http/ws-upgrade");
  const { clientAddress } = await import("@/lib/http/client-address");

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.headers["x-stoker-remote-addr"] = clientAddress(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes.find((r) => r.pattern.test(url.pathname));
    const method = req.method ?? "GET";
    const fn = route?.module[method];
    if (!route || !fn) {
      res.statusCode = 404;
      return void res.end();
    }
    const m = route.pattern.exec(url.pathname) ?? [];
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")]));
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const hasBody = method !== "GET" && method !== "HEAD";
    const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, {
      method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      // @ts-expect-error Node's fetch needs duplex for a streamed body; the DOM types do not know it
      duplex: "half",
    });
    fn(request, { params: Promise.resolve(params) })
      .then((response) => respond(res, response))
      .catch((e: unknown) => {
        console.error("[control-plane harness]", e);
        res.statusCode = 500;
        res.end();
      });
  });
  server.on("upgrade", createUpgradeHandler({ dev: false }));
  // Upgraded sockets leave the HTTP server's books: track every socket so close() never waits on one.
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (sock) => {
    sockets.add(sock);
    sock.once("close", () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: async () => {
      server.closeAllConnections();
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
