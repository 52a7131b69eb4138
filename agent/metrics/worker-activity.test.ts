import { createConnection, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { tcpListeners } from "../tcp-listeners";
import { acceptedOn, readSocketTables } from "./worker-activity";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

describe("acceptedOn for a TCP listener", () => {
  it("finds the connections accepted on it (its port), not the clients' ends nor other listeners'", async () => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    cleanup.push(() => {
      for (const s of accepted) s.destroy();
      server.close();
      other.close();
    });
    const port = (server.address() as { port: number }).port;
    const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
    const listener = tcpListeners().find((l) => l.local === `0100007F:${hexPort}`);
    expect(listener).toBeDefined();
    expect(acceptedOn(readSocketTables(), listener?.inode ?? null).size).toBe(0);
    const clients = [createConnection(port, "127.0.0.1"), createConnection(port, "127.0.0.1")];
    cleanup.push(() => {
      for (const c of clients) c.destroy();
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(accepted).toHaveLength(2);
    expect(acceptedOn(readSocketTables(), listener?.inode ?? null).size).toBe(2);
    const otherPort = (other.address() as { port: number }).port.toString(16).toUpperCase().padStart(4, "0");
    const otherListener = tcpListeners().find((l) => l.local === `0100007F:${otherPort}`);
    expect(acceptedOn(readSocketTables(), otherListener?.inode ?? null).size).toBe(0);
  });
});
