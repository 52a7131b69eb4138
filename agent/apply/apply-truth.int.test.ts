// An apply that tells the truth, against REAL nginx, lighttpd and Apache (issue #16, item 3):
// (a/b) the site's port is held by another program: nginx keeps its old config, lighttpd and
// Apache stop; (c) every page answers 404 through the server while the app answers 200. Each is
// a failure, rolled back, with the server running again. Removing a file goes through the same
// pipeline and brings back a server that a broken file had stopped.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, AppSpecSchema, type WebServer } from "../../lib/protocol";
import { type EchoApp, freePort, httpGet, makeTempDir, type RunningServer, run, startEcho, startWebServer } from "../../test/support/web-servers";
import { renderWebConfig } from "../render/index";
import { type ApplyTarget, applyWebConfig } from "./apply-web-config";
import { runningPid } from "./server-process";
import { siteProbe } from "./site-probes";

const KINDS: WebServer[] = ["nginx", "lighttpd", "apache"];

type TruthFixture = {
  server: RunningServer;
  echo: EchoApp;
  dir: string;
  target: ApplyTarget;
  squatter: Server;
  squatterPort: number;
  spec: (serverName: string, mount: string, listen: string) => AppSpec;
  render: (s: AppSpec) => string;
  live: () => string;
  steadyAnswers: () => Promise<boolean>;
};

// One running server of this kind with two sites (steady.test and b.test) and a squatter on another
// port; the fields are filled in beforeAll.
function truthFixture(kind: WebServer): TruthFixture {
  const t = {} as TruthFixture;

  function spec(serverName: string, mount: string, listen: string): AppSpec {
    return AppSpecSchema.parse({
      name: serverName.replace(".test", ""),
      hostId: "h1",
      command: ["/usr/bin/node"],
      socket: { path: t.echo.socketPath },
      web: { server: kind, serverName, listen, mount },
    });
  }
  function render(s: AppSpec): string {
    const r = renderWebConfig(s);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  }
  const live = () => readFileSync(path.join(t.server.snippetDir, "b.conf"), "utf8");
  const steadyAnswers = async () => (await httpGet(t.server.port, "/yourapplication/ping", { host: "steady.test", timeoutMs: 3000 })).headers["x-echo"] === "1";

  Object.assign(t, { spec, render, live, steadyAnswers });

  beforeAll(async () => {
    t.dir = makeTempDir(`truth-${kind}`);
    t.echo = await startEcho(path.join(t.dir, "echo.sock"));
    t.server = await startWebServer(kind, `truth-${kind}`);
    const main = `127.0.0.1:${t.server.port}`;
    writeFileSync(path.join(t.server.snippetDir, "steady.conf"), render(spec("steady.test", "/yourapplication", main)));
    writeFileSync(path.join(t.server.snippetDir, "b.conf"), render(spec("b.test", "/yourapplication", main)));
    await t.server.reload();
    t.target = {
      server: kind,
      dir: t.server.snippetDir,
      fileName: "b.conf",
      validateArgv: t.server.testArgv,
      // lighttpd has no reload verb: SIGUSR1 to the pid in its pid file, as the agent does without systemd.
      reloadArgv: kind === "lighttpd" ? [] : t.server.reloadArgv,
      reloadSignal: "SIGUSR1",
      pidFile: t.server.pidFile,
      errorLog: t.server.errorLog,
      startArgv: t.server.startArgv,
      settleMs: 300,
    };
    // Another program holds this port and answers 200 to everything.
    t.squatterPort = await freePort();
    t.squatter = createServer((_req, res) => res.end("not your web server")).listen(t.squatterPort, "127.0.0.1");
  });

  afterAll(async () => {
    t.squatter?.close();
    await t.server?.stop();
    await t.echo?.stop();
    if (t.dir) rmSync(t.dir, { recursive: true, force: true });
  });
  return t;
}

describe.each(KINDS)("an apply on %s that tells the truth", (kind) => {
  const t = truthFixture(kind);

  it("fails, rolls back and keeps the server running when another program holds the site's port (3a/3b)", async () => {
    const before = t.live();
    const s = t.spec("b.test", "/newmount", `127.0.0.1:${t.squatterPort}`);
    // Apache opens ports by Listen (Debian: ports.conf); a site on a new port brings its own.
    const text = kind === "apache" ? `Listen 127.0.0.1:${t.squatterPort}\n${t.render(s)}` : t.render(s);
    const probe = siteProbe(s);
    if (!probe) throw new Error("no probe");
    const outcome = await applyWebConfig(t.target, text, probe);
    expect(outcome.ok, outcome.message).toBe(false);
    expect(outcome.rolledBack).toBe(true);
    // nginx refuses the reload and keeps the old config; lighttpd and Apache stop.
    expect(outcome.check).toBe(kind === "nginx" ? "reload-refused" : "server-stopped");
    expect(outcome.step).toBe("reload");
    expect(outcome.message).not.toContain("The new config is live");
    // Recovered: the previous file is back, the server runs (started again if it had stopped), and serves.
    expect(t.live()).toBe(before);
    expect(outcome.serverRunning).toBe(true);
    expect(runningPid(t.server.pidFile)).not.toBeNull();
    expect(await t.steadyAnswers()).toBe(true);
  });

  it("without an error log or pid file to read, the listener check still sees another program answering", async () => {
    const s = t.spec("b.test", "/newmount", `127.0.0.1:${t.squatterPort}`);
    const probe = siteProbe(s, 1500);
    if (!probe) throw new Error("no probe");
    // The squatter answers 200 on the probe URL: only "who listens" can tell it is not the web server.
    expect((await httpGet(t.squatterPort, "/newmount/", { host: "b.test" })).status).toBe(200);
    const blind: ApplyTarget = { ...t.target, errorLog: undefined, pidFile: undefined, reloadArgv: kind === "lighttpd" ? ["/bin/true"] : t.server.reloadArgv };
    const outcome = await applyWebConfig(blind, t.render(s), probe);
    expect(outcome.ok, outcome.message).toBe(false);
    expect(outcome.check).toBe("not-listener");
    expect(outcome.message).toMatch(/held by another program: node/);
    expect(await t.steadyAnswers()).toBe(true);
    // Blind, the pipeline cannot wait for nginx to finish retrying the busy port (~2.5 s): do it here.
    if (kind === "nginx") await new Promise((r) => setTimeout(r, 3000));
  });

  it("fails when the site answers 404 through the server while the app answers 200 on its socket (3c)", async () => {
    const before = t.live();
    const s = t.spec("b.test", "/newmount", `127.0.0.1:${t.server.port}`);
    // A text that validates but serves another path (a stale version, a hand edit): every page of /newmount is a 404.
    const wrong = t.render(t.spec("b.test", "/elsewhere", `127.0.0.1:${t.server.port}`));
    const probe = siteProbe(s, 1500);
    if (!probe) throw new Error("no probe");
    const outcome = await applyWebConfig(t.target, wrong, probe);
    expect(outcome.ok, outcome.message).toBe(false);
    expect(outcome).toMatchObject({ step: "probe", check: "differs-from-socket", rolledBack: true, serverRunning: true });
    // nginx and lighttpd answer 404; Apache 403 (Debian's `<Directory /> Require all denied`).
    expect(outcome.probe?.status).toBe(kind === "apache" ? 403 : 404);
    expect(outcome.message).toMatch(/answered 40[34] through the web server, but the app answers 200/);
    expect(t.live()).toBe(before);
  });

  it("accepts a good config: same answer through the server as on the socket", async () => {
    const s = t.spec("b.test", "/newmount", `127.0.0.1:${t.server.port}`);
    const probe = siteProbe(s);
    if (!probe) throw new Error("no probe");
    const outcome = await applyWebConfig(t.target, t.render(s), probe);
    expect(outcome, outcome.message).toMatchObject({ ok: true, step: "done", check: null, serverRunning: true });
    expect(outcome.probe?.status).toBe(200);
  });

  it("removes a file through the same pipeline, and starts a server that the file had stopped", async () => {
    // The old bug: a broken file stayed behind after its app was deleted. Put one in place by hand.
    const broken = `${kind === "apache" ? `Listen 127.0.0.1:${t.squatterPort}\n` : ""}${t.render(t.spec("c.test", "/", `127.0.0.1:${t.squatterPort}`))}`;
    writeFileSync(path.join(t.server.snippetDir, "c.conf"), broken);
    if (kind === "lighttpd") process.kill(runningPid(t.server.pidFile) ?? 0, "SIGUSR1");
    else await run(t.server.reloadArgv);
    if (kind !== "nginx") {
      for (let i = 0; i < 50 && runningPid(t.server.pidFile) !== null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(runningPid(t.server.pidFile)).toBeNull(); // lighttpd and Apache stopped on the failed restart
    }
    const outcome = await applyWebConfig({ ...t.target, fileName: "c.conf" }, null, null);
    expect(outcome, outcome.message).toMatchObject({ ok: true, step: "done", serverRunning: true });
    if (kind !== "nginx") expect(outcome.message).toMatch(/was not running: started it/);
    expect(existsSync(path.join(t.server.snippetDir, "c.conf"))).toBe(false);
    expect(await t.steadyAnswers()).toBe(true);
  });

  it("removes a site's file while the other sites keep answering", async () => {
    const steady = siteProbe(t.spec("steady.test", "/yourapplication", `127.0.0.1:${t.server.port}`), 2000);
    if (!steady) throw new Error("no probe");
    const outcome = await applyWebConfig(t.target, null, null, { others: [steady] });
    expect(outcome, outcome.message).toMatchObject({ ok: true, step: "done" });
    expect(existsSync(path.join(t.server.snippetDir, "b.conf"))).toBe(false);
    expect(await t.steadyAnswers()).toBe(true);
  });
});

// lighttpd alone reads every file's conditionals into one config, so only there can a new file take
// over another site's mount.
describe("an apply on lighttpd that tells the truth about other sites", () => {
  const t = truthFixture("lighttpd");

  it("fails and rolls back when the new file takes another site down (lighttpd merges conditionals across files)", async () => {
    const s = t.spec("z.test", "/newmount", `127.0.0.1:${t.server.port}`);
    const steady = siteProbe(t.spec("steady.test", "/yourapplication", `127.0.0.1:${t.server.port}`), 1500);
    const probe = siteProbe(s);
    if (!steady || !probe) throw new Error("no probe");
    // Valid on its own, and read after steady.conf (z sorts last), but it points steady.test's app at
    // a socket nobody serves: steady answers 503.
    const hijack = `${t.render(s)}$HTTP["host"] =~ "^steady[.]test(:[0-9]+)?$" {\n  fastcgi.server = ( "/yourapplication" => (( "socket" => "${t.dir}/nobody.sock", "check-local" => "disable" )) )\n}\n`;
    const outcome = await applyWebConfig({ ...t.target, fileName: "z.conf" }, hijack, probe, { others: [steady] });
    expect(outcome.ok, outcome.message).toBe(false);
    expect(outcome).toMatchObject({ step: "probe", check: "other-site-down", rolledBack: true, serverRunning: true });
    expect(outcome.message).toMatch(/Another site on this server stopped answering: .*steady\.test.* answered 503/);
    expect(existsSync(path.join(t.server.snippetDir, "z.conf"))).toBe(false);
    expect(await t.steadyAnswers()).toBe(true);
  });
});
