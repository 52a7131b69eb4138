// The one block `npm start` prints once the control plane listens: where it runs, how to log in
// (creating the owner only while none exists), where the demo app runs and how to remove it, which
// database it is on.
import "server-only";
import path from "node:path";
import { config, databaseLine, databaseUrl } from "./config";
import { db } from "./db";

async function loginLine(url: string, needsSetup: boolean): Promise<string> {
  if (needsSetup) return `Open ${url} to create the owner account (or set STOKER_ADMIN_EMAIL and STOKER_ADMIN_PASSWORD).`;
  const email = process.env.STOKER_ADMIN_EMAIL;
  if (email && (await db.user.count({ where: { email } }))) return `Log in as ${email}.`;
  return "Log in with your account.";
}

/** The demo app on npm start's own agent: where it runs, or that it is about to start; nothing once removed. */
async function demoLines(url: string): Promise<string[]> {
  if (process.env.STOKER_LOCAL_AGENT !== "1") return [];
  const local = await db.joinToken.findFirst({ where: { local: true, hostId: { not: null } }, orderBy: { createdAt: "asc" } });
  const socket = path.join(config.dataDir, "run", "demo.sock");
  const removal = "remove it on its page (Delete): its processes, socket and web config go with it.";
  if (!local?.hostId) return [`Demo app: starts on this machine in a few seconds (examples/demo/hello.mjs, socket ${socket});`, `  ${removal}`];
  const demo = await db.app.findFirst({ where: { hostId: local.hostId, name: "demo" } });
  if (!demo) return [];
  const spec = JSON.parse(demo.spec) as { processes?: number | { min: number; max: number }; socket?: { path?: string } };
  const p = spec.processes ?? 1;
  const count = typeof p === "number" ? `${p} process${p === 1 ? "" : "es"}` : `${p.min}-${p.max} processes`;
  return [`Demo app: ${count} of examples/demo/hello.mjs on this machine, socket ${spec.socket?.path ?? socket};`, `  ${url}apps/${demo.id} — ${removal}`];
}

export async function startupSummary(url: string, needsSetup: boolean): Promise<string> {
  const lines = [
    `Stoker is running: ${url}`,
    await loginLine(url, needsSetup),
    ...(await demoLines(url)),
    databaseLine(databaseUrl(), process.env.STOKER_LOCAL_AGENT !== "1"),
    `Data: ${config.dataDir}. Ctrl-C stops Stoker; apps keep running and are adopted on the next start.`,
  ];
  return `\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}
