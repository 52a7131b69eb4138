// A local control socket (`<state>/agent.sock`, mode 0600): the same operations as the control
// plane sends, one JSON object per line, for `stoker agent ctl` and hosts without a control plane.
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import * as z from "zod";
import { AgentOpSchema, parseFrame } from "../../lib/protocol";

const StatusSchema = z.strictObject({ op: z.literal("status") });
import type { Supervisor } from "../supervisor/supervisor";

export function serveLocalControl(socketPath: string, supervisor: Supervisor): Server {
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const server = createServer((conn) => {
    let buffer = "";
    conn.on("data", async (chunk) => {
      buffer += chunk.toString();
      if (buffer.length > 1 << 20) return conn.destroy();
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf("\n");
        if (parseFrame(StatusSchema, line).ok) {
          conn.write(`${JSON.stringify({ ok: true, value: supervisor.status() })}\n`);
          continue;
        }
        const op = parseFrame(AgentOpSchema, line);
        const result = op.ok ? await supervisor.execute(op.value) : { ok: false, code: "BAD_REQUEST", message: `Invalid request (${op.why}).` };
        conn.write(`${JSON.stringify(result)}\n`);
      }
    });
    conn.on("error", () => conn.destroy());
  });
  server.listen(socketPath, () => chmodSync(socketPath, 0o600));
  return server;
}

/** Client side: sends one operation to a running agent and resolves with its reply. */
export function callLocalControl(socketPath: string, op: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = connect(socketPath);
    let buffer = "";
    conn.on("connect", () => conn.write(`${JSON.stringify(op)}\n`));
    conn.on("data", (chunk) => {
      buffer += chunk.toString();
      const nl = buffer.indexOf("\n");
      if (nl >= 0) {
        conn.end();
        resolve(JSON.parse(buffer.slice(0, nl)));
      }
    });
    conn.on("error", (e) => reject(new Error(`No agent answers on ${socketPath}: ${e.message}`)));
  });
}
