// Issue 17 item 7: paths the agent (as root) creates, chowns, unlinks or writes cannot be led outside
// their allowed directory by a symbolic link on the way (agent/safe-path.ts), and a FastCGI port
// goes off loopback only when the spec says so.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyWebConfig } from "@/agent/apply/apply-web-config";
import { linkShared, releaseLayout } from "@/agent/deploy/releases";
import { planLaunch } from "@/agent/supervisor/launch-plan";
import { AppSpecSchema, DesiredAppSchema, remoteSocketWarning } from "@/lib/protocol";
import { Tally } from "./tally";

const tally = new Tally("item 7: path checks and remote ports");
const base = mkdtempSync(path.join(tmpdir(), "stoker-paths-"));
const allowed = path.join(base, "run");
const elsewhere = path.join(base, "elsewhere");
mkdirSync(path.join(allowed, "real"), { recursive: true });
mkdirSync(elsewhere);
symlinkSync(elsewhere, path.join(allowed, "lnk"));
symlinkSync(allowed, path.join(base, "run-link")); // an allowed root reached through a link is fine

afterAll(() => {
  tally.report();
  rmSync(base, { recursive: true, force: true });
});

const spec = (socket: Record<string, unknown>) => AppSpecSchema.parse({ name: "a", hostId: "h", command: ["/bin/true"], user: "nobody", socket });

describe("socket paths", () => {
  it("refuses a socket under an allowed dir through a symlinked directory, accepts real ones", async () => {
    for (const p of [path.join(allowed, "lnk", "x.sock"), path.join(allowed, "lnk", "deeper", "x.sock"), path.join(allowed, "lnk")]) {
      await tally.attack(`socket ${path.relative(base, p)}`, () => {
        const plan = planLaunch(spec({ path: p }), [allowed]);
        return (!plan.ok && plan.fields?.some((f) => f.path === "socket.path")) || "accepted";
      });
    }
    expect(planLaunch(spec({ path: path.join(allowed, "real", "x.sock") }), [allowed]).ok).toBe(true);
    expect(planLaunch(spec({ path: path.join(allowed, "new-dir", "x.sock") }), [allowed]).ok).toBe(true);
    expect(planLaunch(spec({ path: path.join(allowed, "real", "x.sock") }), [path.join(base, "run-link")]).ok).toBe(true);
    tally.expectAllRefused(3);
  });
});

describe("log dirs", () => {
  it("refuses an app id that would put the agent's log directory (logs/<appId>) anywhere else", async () => {
    const app = { revision: 1, desired: "running", spec: spec({ path: path.join(allowed, "x.sock") }) };
    for (const appId of ["../../etc", "..", ".hidden", "a/b", "/abs"]) {
      await tally.attack(`appId ${appId}`, () => !DesiredAppSchema.safeParse({ ...app, appId }).success || "accepted");
    }
    expect(DesiredAppSchema.safeParse({ ...app, appId: "cmxam3o430002bf7dkykah6r7" }).success).toBe(true);
    tally.expectAllRefused(5);
  });
});

describe("TCP sockets", () => {
  it("refuses FastCGI ports off loopback unless allowRemote, and warns when allowed", async () => {
    for (const tcp of ["0.0.0.0:9000", "10.0.0.5:9000", "192.168.1.2:9000", "backend.internal:9000"]) {
      await tally.attack(`socket.tcp ${tcp}`, () => !AppSpecSchema.safeParse({ name: "a", hostId: "h", command: ["/bin/true"], socket: { tcp } }).success || "accepted");
    }
    for (const tcp of ["127.0.0.1:9000", "[::1]:9000", "localhost:9000"]) expect(spec({ tcp }).socket.tcp).toBe(tcp);
    const remote = spec({ tcp: "0.0.0.0:9000", allowRemote: true });
    expect(remoteSocketWarning(remote.socket)).toMatch(/reachable off this host/);
    expect(remoteSocketWarning(spec({ tcp: "127.0.0.1:9000" }).socket)).toBeNull();
    tally.expectAllRefused(4);
  });
});

describe("deploy trees", () => {
  it("refuses to follow a link an app user put in shared/", async () => {
    const root = path.join(base, "deploy");
    const layout = releaseLayout(root);
    const release = path.join(layout.releases, "r1");
    mkdirSync(release, { recursive: true });
    mkdirSync(layout.shared, { recursive: true });
    const victim = path.join(base, "victim");
    mkdirSync(victim);
    symlinkSync(victim, path.join(layout.shared, "uploads"));
    await tally.attack("shared/uploads -> outside, shared path uploads/cache", () => {
      try {
        linkShared(layout, release, ["uploads/cache"]);
      } catch (e) {
        return (e instanceof Error && /symbolic link/.test(e.message) && !existsSync(path.join(victim, "cache"))) || "wrong error";
      }
      return existsSync(path.join(victim, "cache")) ? "created a directory outside the deploy root" : "not refused";
    });
    tally.expectAllRefused();
  });
});

describe("web-config files", () => {
  it("does not write through a link planted at the candidate's name", async () => {
    const dir = path.join(base, "conf.d");
    mkdirSync(dir);
    const victim = path.join(base, "victim.txt");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, path.join(dir, ".stoker-a.conf.stoker-candidate"));
    const target = { server: "nginx" as const, dir, fileName: "stoker-a.conf", validateArgv: ["/bin/true"], reloadArgv: ["/bin/true"], settleMs: 0 };
    const outcome = await applyWebConfig(target, "server { }\n", null);
    await tally.attack("candidate is a link to another file", () => (!outcome.ok && readFileSync(victim, "utf8") === "precious\n") || `ok=${outcome.ok}, victim: ${readFileSync(victim, "utf8")}`);
    tally.expectAllRefused();
  });
});
