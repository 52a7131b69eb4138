// The local control socket's client: a reply resolves the call; an agent that is not there, or dies
// before it answers, rejects it (a ctl call never waits forever).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { callLocalControl } from "./local-control";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-local-control-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function serve(name: string, onConn: (conn: import("node:net").Socket) => void): Promise<string> {
  const sock = path.join(dir, name);
  const server = createServer(onConn);
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  return new Promise((resolve) => server.listen(sock, () => resolve(sock)));
}

describe("callLocalControl", () => {
  it("resolves with the agent's one-line reply", async () => {
    const sock = await serve("ok.sock", (c) => c.on("data", () => c.write('{"ok":true,"value":1}\n')));
    await expect(callLocalControl(sock, { op: "status" })).resolves.toEqual({ ok: true, value: 1 });
  });

  it("rejects when the agent closes the connection without answering (it died mid-operation)", async () => {
    const sock = await serve("dies.sock", (c) => c.on("data", () => c.destroy()));
    await expect(callLocalControl(sock, { op: "status" })).rejects.toThrow(/closed the connection before it answered/);
  });

  it("rejects when no agent listens", async () => {
    await expect(callLocalControl(path.join(dir, "none.sock"), { op: "status" })).rejects.toThrow(/No agent answers/);
  });
});
