// The backlog of a retired listener reaches the socket now on the path, byte for byte both ways,
// and the retired listener is closed once it is quiet.
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listenUnix } from "../native";
import { relayBacklog } from "./backlog-relay";

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Sends `text`, half-closes, and resolves with everything the other side sent back. */
function exchange(file: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(file);
    let got = "";
    s.on("data", (d) => {
      got += d.toString();
    });
    s.on("end", () => resolve(got));
    s.on("error", reject);
    s.end(text);
  });
}

describe("relayBacklog", () => {
  it("relays the connections queued on a retired listener to the new socket, then closes it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stoker-relay-"));
    dirs.push(dir);
    const file = path.join(dir, "app.sock");
    // The exited process's socket: connections queue on it while nothing accepts.
    const retired = listenUnix(file);
    const queued = [exchange(file, "one"), exchange(file, "two")];
    await new Promise((r) => setTimeout(r, 50));
    // The replacement takes the path; it answers with what it got, upper-cased.
    unlinkSync(file);
    const next = createServer((c) => {
      let got = "";
      c.on("data", (d) => {
        got += d.toString();
      });
      c.on("end", () => c.end(got.toUpperCase()));
    });
    servers.push(next);
    await new Promise<void>((r) => next.listen(file, r));
    const relayed = relayBacklog(retired, file);
    expect(await Promise.all(queued)).toEqual(["ONE", "TWO"]);
    expect(await relayed).toBe(2);
  });
});
