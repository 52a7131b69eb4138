// The keeper's copies of the agents' sockets (standby.ts): taken when the recipes name them, one per
// app, the replaced one closed. This test process plays the agent (pidfd_getfd of its own fds).
import { fstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RestartSpecSchema } from "../../lib/protocol";
import { closeFd, listenUnix } from "../native";
import type { StandbyApp } from "./keeper-protocol";
import { Standby } from "./standby";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-standby-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recipe(fd: number, inode = fstatSync(fd).ino): StandbyApp {
  return {
    appId: "a",
    generation: 1,
    socket: { path: path.join(dir, "a.sock"), bind: "agent", mode: "0660" },
    plan: { file: "/bin/true", args: [], cwd: "/", env: {}, userName: "root" },
    restart: RestartSpecSchema.parse({}),
    agentSocket: { fd, inode },
    slots: [0],
  } as StandbyApp;
}

/** This process's fds that are the socket `fd` is. */
function copiesOf(fd: number): number {
  const link = readlinkSync(`/proc/self/fd/${fd}`);
  return readdirSync("/proc/self/fd").filter((n) => {
    try {
      return readlinkSync(`/proc/self/fd/${n}`) === link;
    } catch {
      return false;
    }
  }).length;
}

describe("Standby's copies of the agent's sockets", () => {
  it("holds one copy per app, lets go of the one a new recipe replaces, and of an app no longer named", () => {
    const standby = new Standby(dir, () => undefined, () => undefined);
    const first = listenUnix(path.join(dir, "1.sock"));
    standby.setRecipes([recipe(first)], process.pid);
    expect(copiesOf(first)).toBe(2);
    standby.setRecipes([recipe(first)], process.pid); // the same socket again: not taken twice
    expect(copiesOf(first)).toBe(2);
    const second = listenUnix(path.join(dir, "2.sock"));
    standby.setRecipes([recipe(second)], process.pid);
    expect(copiesOf(first)).toBe(1);
    expect(copiesOf(second)).toBe(2);
    standby.setRecipes([], process.pid);
    expect(copiesOf(second)).toBe(1);
    closeFd(first);
    closeFd(second);
  });

  it("does not hold a file the fd number names now if it is not the socket the agent meant", () => {
    const standby = new Standby(dir, () => undefined, () => undefined);
    const sock = listenUnix(path.join(dir, "3.sock"));
    standby.setRecipes([recipe(sock, fstatSync(sock).ino + 1)], process.pid);
    expect(copiesOf(sock)).toBe(1);
    expect(standby.handOver().sockets).toEqual([]);
    closeFd(sock);
  });

  it("hands back the copy it holds", () => {
    const standby = new Standby(dir, () => undefined, () => undefined);
    const sock = listenUnix(path.join(dir, "4.sock"));
    standby.setRecipes([recipe(sock)], process.pid);
    const [held] = standby.handOver().sockets;
    expect(held.appId).toBe("a");
    expect(fstatSync(held.fd).ino).toBe(fstatSync(sock).ino);
    closeFd(held.fd);
    closeFd(sock);
  });
});
