// The control plane process: Next.js and one ws WebSocket server on the same port.
// Wiring only: /ws/agent and /ws/ui are authenticated in lib before the upgrade completes.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import next from "next";
import { WebSocketServer } from "ws";
import { authenticateAgent, onAgentConnection } from "./lib/agents/agent-socket";
import { bootstrap } from "./lib/bootstrap";
import { config } from "./lib/config";
import { authenticateUi, onUiConnection } from "./lib/live/ui-socket";

const dev = process.env.NODE_ENV !== "production";

function reject(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

// basePath is baked into the client bundles at build time: a different one at start breaks every page.
function checkBuiltBasePath(): void {
  const distDir = process.env.STOKER_DIST_DIR || ".next";
  const built = (JSON.parse(readFileSync(`${distDir}/required-server-files.json`, "utf8")) as { config: { basePath: string } }).config.basePath;
  if (built !== config.basePath) {
    throw new Error(`STOKER_BASE_PATH is "${config.basePath}" but the build used "${built}": run \`npm run build\` again.`);
  }
}

async function main(): Promise<void> {
  if (!dev) checkBuiltBasePath();
  const { needsSetup } = await bootstrap();
  const app = next({ dev, hostname: config.host, port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const agentWss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20 });
  const uiWss = new WebSocketServer({ noServer: true, maxPayload: 64 << 10 });

  const server = createServer((req, res) => {
    // Route handlers cannot see the peer address: pass it on, never trusting a client-sent value.
    req.headers["x-stoker-remote-addr"] = req.socket.remoteAddress ?? "";
    void handle(req, res);
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    if (pathname === `${config.basePath}/ws/agent`) {
      void authenticateAgent(req.headers.authorization).then((host) => {
        if (!host) {
          console.warn(`[ws] refused an agent with a wrong host key from ${req.socket.remoteAddress}`);
          return reject(socket, "401 Unauthorized");
        }
        agentWss.handleUpgrade(req, socket, head, (ws) => void onAgentConnection(ws, host));
      });
      return;
    }
    if (pathname === `${config.basePath}/ws/ui`) {
      void authenticateUi(req).then((actor) => {
        if (!actor) return reject(socket, "401 Unauthorized");
        uiWss.handleUpgrade(req, socket, head, (ws) => onUiConnection(ws, actor));
      });
      return;
    }
    // Dev: Next's HMR attaches its own upgrade listener; leave its sockets alone.
    if (!dev) reject(socket, "404 Not Found");
  });

  server.on("error", (e) => {
    console.error(`Cannot listen on ${config.host}:${config.port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const url = `http://${config.host}:${config.port}${config.basePath}/`;
    console.log(`> Stoker control plane on ${url}${needsSetup ? " (open it to create the owner account)" : ""}`);
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
