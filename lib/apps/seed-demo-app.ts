// The demo app that `npm start` runs on its own local agent: node-fastcgi, 2 processes, one socket.
import "server-only";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { appendAudit } from "../audit/append-audit";
import { config } from "../config";
import { db } from "../db";
import { AppSpecSchema } from "../protocol";

function hasGroup(name: string): boolean {
  try {
    return readFileSync("/etc/group", "utf8").split("\n").some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

/** Whoever owns the checkout runs the demo: an omitted user never means root (lib/protocol/run-as.ts). */
function checkoutOwner(dir: string): string | undefined {
  try {
    const uid = String(statSync(dir).uid);
    const row = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.split(":")[2] === uid);
    return row?.split(":")[0];
  } catch {
    return undefined;
  }
}

export async function seedDemoApp(hostId: string): Promise<void> {
  const demoDir = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "examples/demo");
  const user = checkoutOwner(demoDir);
  const spec = AppSpecSchema.parse({
    name: "demo",
    hostId,
    command: [process.execPath, path.resolve(/*turbopackIgnore: true*/ process.cwd(), "examples/demo/hello.mjs")],
    cwd: path.resolve(/*turbopackIgnore: true*/ process.cwd(), "examples/demo"),
    processes: 2,
    ...(user ? { user } : {}),
    env: { APP_VERSION: "demo-1" },
    // The local agent runs on this machine: let the web server's user reach the socket if it exists.
    socket: { path: path.join(/*turbopackIgnore: true*/ config.dataDir, "run", "demo.sock"), mode: "0660", ...(hasGroup("www-data") ? { group: "www-data" } : {}) },
    stop: { signal: "TERM", timeoutMs: 5000 },
    ready: { probe: "fastcgi", path: "/", timeoutMs: 5000 },
  });
  const { hostId: _h, ...stored } = spec;
  await db.$transaction(async (tx) => {
    // The installer's own demo on the installer's own agent: the system approves its user, root included.
    await tx.app.create({ data: { name: spec.name, hostId, spec: JSON.stringify(stored), rootApprovedBy: "system" } });
    await appendAudit(tx, { actor: { type: "system" }, ip: "" }, { action: "app.created", target: "app:demo", after: spec });
  });
}
