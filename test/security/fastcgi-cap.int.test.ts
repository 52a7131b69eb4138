// Issue 17 item 6 (FastCGI side): an app that answers with an endless or huge body cannot make the
// agent hold it. A test request shows the first MiB and says the rest was not read.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendTestRequest } from "@/agent/fastcgi/test-request";
import { AppSpecSchema } from "@/lib/protocol";
import { Tally } from "./tally";

type Res = { writeHead(s: number, h: Record<string, string>): void; write(b: Buffer): boolean; end(b?: string): void; once(e: string, f: () => void): void };
const fcgi = createRequire(import.meta.url)("node-fastcgi") as { createServer(h: (req: { url?: string }, res: Res) => void): Server };

const tally = new Tally("item 6: FastCGI answers are capped");
const dir = mkdtempSync(path.join(tmpdir(), "stoker-fcgi-cap-"));
const socketPath = path.join(dir, "app.sock");
let server: Server;
const spec = AppSpecSchema.parse({ name: "big", hostId: "h", command: ["/bin/true"], socket: { path: socketPath } });

beforeAll(async () => {
  server = fcgi.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    const chunk = Buffer.alloc(64 << 10, 0x61);
    if (req.url?.startsWith("/endless")) {
      let open = true;
      res.once("close", () => (open = false));
      const pump = () => {
        for (let i = 0; i < 16 && open; i++) res.write(chunk);
        if (open) setImmediate(pump);
      };
      return pump();
    }
    for (let i = 0; i < 80; i++) res.write(chunk); // 5 MiB, then the end
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(() => {
  tally.report();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a test request to an app with a huge answer", () => {
  for (const p of ["/endless", "/five-mib"]) {
    it(`shows the first MiB of ${p} and says so, without holding the rest`, async () => {
      const before = process.memoryUsage().rss;
      const res = await sendTestRequest(spec, `unix:${socketPath}`, { method: "GET", path: p, query: "", headers: {}, body: "" }, 15_000);
      const grew = process.memoryUsage().rss - before;
      await tally.attack(`${p}: agent keeps at most the first MiB`, () => {
        if (!res.ok) return `failed: ${res.message}`;
        if (res.value.body.length > (1 << 20) + 200) return `kept ${res.value.body.length} bytes`;
        if (!res.value.body.includes("only its first MiB is shown")) return "did not say it was cut";
        return res.value.status === 200 || `status ${res.value.status}`;
      });
      expect(grew, "RSS growth for one request").toBeLessThan(64 << 20);
      tally.expectAllRefused();
    });
  }
});
