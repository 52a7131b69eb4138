// The web server's error log in the app's log: nginx's "upstream prematurely closed connection"
// for a crashing app is attributed to the app by its socket and linked to the traceback.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { readTail } from "@/agent/logs/read-positions";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema } from "@/lib/protocol";
import { RUN_AS } from "./support/fixture-apps";
import { runLoad } from "./support/load";
import { startNginxFront } from "./support/nginx-front";
import { waitUntil } from "./support/stack";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-weblog-"));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("puts nginx's error line in the app's log as the web stream, with a note naming the traceback", async () => {
  const sock = path.join(dir, "crash.sock");
  const nginx = await startNginxFront({ socket: `unix:${sock}` });
  const supervisor = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], webErrorLogs: { nginx: nginx.errorLog } });
  try {
    const spec = AppSpecSchema.parse({
      name: "crashy",
      hostId: "h",
      command: [process.execPath, path.resolve("test/fixtures/crash-on-request.mjs")],
      processes: 2,
      socket: { path: sock },
      ...RUN_AS,
      restart: { backoffMs: 100, maxRestarts: 50 },
    });
    expect((await supervisor.put({ appId: "crashy", revision: 1, desired: "running", spec, rootApproved: true })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 600)); // the watcher starts at the end of the current log
    const r = await runLoad({ url: `${nginx.url}/crash`, concurrency: 1, durationMs: 5000, maxRequests: 1 });
    expect(r.statuses[502]).toBe(1);
    const logDir = path.join(dir, "state", "logs", "crashy");
    const lines = await waitUntil(async () => {
      const tail = await readTail(logDir, 500);
      return tail.some((l) => l.text.includes("most likely this node traceback")) ? tail : null;
    }, 15_000, "the linking note");
    expect(lines.some((l) => l.stream === "web" && l.pid === 0 && /upstream prematurely closed connection/.test(l.text))).toBe(true);
    const note = lines.find((l) => l.text.includes("most likely this node traceback"));
    expect(note?.text).toMatch(/^\[stoker\] nginx "premature" is most likely this node traceback at .*Error: order \d+ could not be priced/);
    // The dashboard offers the doctor for an app the web server reports such errors for.
    expect(supervisor.status().find((a) => a.appId === "crashy")?.prematureErrors).toBe(1);
  } finally {
    await supervisor.execute({ op: "app.remove", appId: "crashy" });
    supervisor.detachAll();
    await nginx.stop();
  }
});
