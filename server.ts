// The control plane process: Next.js and one ws WebSocket server on the same port.
// Wiring only: every upgrade goes to lib/http/ws-upgrade (authenticated before the handshake, or refused).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import next from "next";
import { bootstrap } from "./lib/bootstrap";
import { config } from "./lib/config";
import { clientAddress } from "./lib/http/client-address";
import { createUpgradeHandler } from "./lib/http/ws-upgrade";
import { joinReplicas } from "./lib/replicas/replication";
import { exitAfterFlush } from "./lib/shutdown";
import { startupSummary } from "./lib/startup-summary";
import { isStorageFull } from "./lib/storage-full";

const dev = process.env.NODE_ENV !== "production";

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
  await joinReplicas(); // PostgreSQL: the other replicas' agents and browsers (lib/replicas/)
  const app = next({ dev, hostname: config.host, port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = createServer((req, res) => {
    // Route handlers cannot see the peer address: pass it on, never trusting a client-sent value
    // (X-Forwarded-For only from a proxy in STOKER_TRUSTED_PROXIES).
    req.headers["x-stoker-remote-addr"] = clientAddress(req);
    void handle(req, res);
  });

  server.on("upgrade", createUpgradeHandler({ dev }));
  exitAfterFlush(); // writes held in memory (lib/write-behind.ts) reach the database before the exit

  server.on("error", (e) => {
    console.error(`Cannot listen on ${config.host}:${config.port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const url = `http://${config.host}:${config.port}${config.basePath}/`;
    // Under `npm start` the block goes to scripts/start.mjs, which prints it once (not again when it
    // restarts a control plane that died); run alone, the server prints it.
    void startupSummary(url, needsSetup).then((text) => (process.send ? process.send({ type: "stoker.summary", text }) : console.log(text)));
  });
}

// A write that fails because the disk is full, in work no request waits for, is logged, not fatal:
// the control plane must outlive a full disk (anything else still ends the process, as by default).
process.on("unhandledRejection", (e) => {
  if (!isStorageFull(e)) throw e;
  console.error("[stoker] a background write failed: the disk is full");
});

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
