// The socket the agent creates: who may connect to it when the spec names no owner or group.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SocketSpecSchema } from "../../lib/protocol";
import { closeListenSocket, defaultSocketGroup, openListenSocket } from "./app-socket";
import { lookupGroup } from "./users";

const dir = mkdtempSync(path.join(os.tmpdir(), "stoker-sock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a socket whose spec names no group", () => {
  it("belongs to the web server's group with the spec's mode, so the web server can connect", async () => {
    const group = defaultSocketGroup();
    expect(group).toBe("www-data"); // Debian's web servers run as www-data (installed by the test deps)
    const spec = SocketSpecSchema.parse({ path: path.join(dir, "a.sock") });
    const sock = await openListenSocket(spec);
    try {
      const st = statSync(spec.path!);
      expect(st.gid).toBe(lookupGroup("www-data")?.gid);
      expect(st.mode & 0o777).toBe(0o660);
    } finally {
      closeListenSocket(sock, true);
    }
  });

  it("keeps a group the spec names", async () => {
    const spec = SocketSpecSchema.parse({ path: path.join(dir, "b.sock"), group: "root" });
    const sock = await openListenSocket(spec);
    try {
      expect(statSync(spec.path!).gid).toBe(0);
    } finally {
      closeListenSocket(sock, true);
    }
  });
});
