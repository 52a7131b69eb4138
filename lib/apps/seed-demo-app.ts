// The demo app that `npm start` runs on its own local agent: node-fastcgi, 2 processes, one socket.
import "server-only";
import path from "node:path";
import { appendAudit } from "../audit/append-audit";
import { config } from "../config";
import { db } from "../db";
import { AppSpecSchema } from "../protocol";

export async function seedDemoApp(hostId: string): Promise<void> {
  const spec = AppSpecSchema.parse({
    name: "demo",
    hostId,
    command: [process.execPath, path.resolve(/*turbopackIgnore: true*/ process.cwd(), "examples/demo/hello.mjs")],
    cwd: path.resolve(/*turbopackIgnore: true*/ process.cwd(), "examples/demo"),
    processes: 2,
    env: { APP_VERSION: "demo-1" },
    socket: { path: path.join(/*turbopackIgnore: true*/ config.dataDir, "run", "demo.sock"), mode: "0660" },
    stop: { signal: "TERM", timeoutMs: 5000 },
    ready: { probe: "fastcgi", path: "/", timeoutMs: 5000 },
  });
  const { hostId: _h, ...stored } = spec;
  await db.$transaction(async (tx) => {
    await tx.app.create({ data: { name: spec.name, hostId, spec: JSON.stringify(stored) } });
    await appendAudit(tx, { actor: { type: "system" }, ip: "" }, { action: "app.created", target: "app:demo", after: spec });
  });
}
