// applyWebConfig against the REAL servers under continuous load: a good config goes live, a
// refused one and one whose probe fails are rolled back, and no request fails meanwhile.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpecInput, AppSpecSchema, type WebServer } from "../../lib/protocol";
import {
  type EchoApp,
  httpGet,
  loadLoop,
  makeTempDir,
  type RunningServer,
  startEcho,
  startWebServer,
} from "../../test/support/web-servers";
import { renderWebConfig } from "../render/index";
import { type ApplyOutcome, type ApplyTarget, applyWebConfig, detectDrift } from "./apply-web-config";

const KINDS: WebServer[] = ["nginx", "lighttpd", "apache"];

/** Garbage each server's validator must refuse (the renderers cannot produce any). */
const REFUSED: Record<WebServer, string> = {
  nginx: "server {\n    listen 80;\n    no_such_directive on;\n}\n",
  lighttpd: '$HTTP["host"] == "b.test" {\n  no.such-option = "x"\n  fastcgi.server = ( "/x" => (( "socket" => \n}\n',
  apache: "<VirtualHost *:80>\n    NoSuchDirective on\n</VirtualHost>\n",
};

describe.each(KINDS)("applyWebConfig on %s", (kind) => {
  let server: RunningServer;
  let echo: EchoApp;
  let target: ApplyTarget;
  let appDir: string;

  function render(host: string, mount: string, socketPath: string): string {
    const input: AppSpecInput = {
      name: host.replace(".test", ""),
      hostId: "h1",
      command: ["/usr/bin/node"],
      socket: { path: socketPath },
      web: { server: kind, serverName: host, listen: `127.0.0.1:${server.port}`, mount },
    };
    const r = renderWebConfig(AppSpecSchema.parse(input));
    if (!r.ok) throw new Error(r.message);
    return r.value;
  }

  /** Runs `apply` while 8 workers keep hitting the steady site; returns both results. */
  async function underLoad(apply: () => Promise<ApplyOutcome>) {
    const load = loadLoop(() => httpGet(server.port, "/yourapplication/ping", { host: "steady.test", timeoutMs: 5000 }), {
      durationMs: 3500,
      concurrency: 8,
      ok: (a) => a.status === 200 && a.headers["x-echo"] === "1",
    });
    await new Promise((r) => setTimeout(r, 300)); // let the load start before the change
    const outcome = await apply();
    return { outcome, load: await load };
  }

  const bLive = () => readFileSync(path.join(server.snippetDir, "b.conf"), "utf8");

  beforeAll(async () => {
    appDir = makeTempDir(`apply-${kind}`);
    echo = await startEcho(path.join(appDir, "echo.sock"));
    server = await startWebServer(kind);
    // The steady site is the traffic that must never notice an apply.
    writeFileSync(path.join(server.snippetDir, "steady.conf"), render("steady.test", "/yourapplication", echo.socketPath));
    writeFileSync(path.join(server.snippetDir, "b.conf"), render("b.test", "/yourapplication", echo.socketPath));
    await server.reload();
    target = {
      server: kind,
      dir: server.snippetDir,
      fileName: "b.conf",
      validateArgv: server.testArgv,
      reloadArgv: server.reloadArgv,
      pidFile: server.pidFile,
      errorLog: server.errorLog,
      startArgv: server.startArgv,
      settleMs: 400,
    };
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  it("puts a good config live, probes it and keeps every request answered", async () => {
    const text = render("b.test", "/newmount", echo.socketPath);
    const { outcome, load } = await underLoad(() =>
      applyWebConfig(target, text, { url: `http://127.0.0.1:${server.port}/newmount/`, host: "b.test", healthy: (s) => s === 200 }),
    );
    expect(outcome, outcome.message).toMatchObject({ ok: true, step: "done", rolledBack: false });
    expect(outcome.probe?.status).toBe(200);
    expect(load.failed, load.failures.join("\n")).toBe(0);
    expect(load.total).toBeGreaterThan(50);
    expect(bLive()).toBe(text);
    const a = await httpGet(server.port, "/newmount/x", { host: "b.test" });
    expect(JSON.parse(a.body.toString()).params.SCRIPT_NAME).toBe("/newmount");
    expect(readdirSync(server.snippetDir).filter((f) => f.startsWith("."))).toEqual([]); // no leftovers
  });

  it("restores the previous file when the validator refuses the candidate", async () => {
    const before = bLive();
    const { outcome, load } = await underLoad(() =>
      applyWebConfig(target, REFUSED[kind], { url: `http://127.0.0.1:${server.port}/newmount/`, host: "b.test" }),
    );
    expect(outcome).toMatchObject({ ok: false, step: "validate", rolledBack: true, probe: null });
    expect(outcome.validatorOutput.length).toBeGreaterThan(0);
    expect(load.failed, load.failures.join("\n")).toBe(0);
    expect(bLive()).toBe(before);
    expect((await httpGet(server.port, "/newmount/", { host: "b.test" })).headers["x-echo"]).toBe("1");
    expect(readdirSync(server.snippetDir).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("rolls back and reloads again when the new config validates but its probe fails (wrong upstream)", async () => {
    const before = bLive();
    const wrong = render("b.test", "/newmount", path.join(appDir, "nobody-listens-here.sock"));
    const { outcome, load } = await underLoad(() =>
      applyWebConfig(target, wrong, { url: `http://127.0.0.1:${server.port}/newmount/`, host: "b.test", timeoutMs: 1000 }),
    );
    expect(outcome).toMatchObject({ ok: false, step: "probe", rolledBack: true });
    expect(outcome.probe?.status).toBeGreaterThanOrEqual(500);
    expect(load.failed, load.failures.join("\n")).toBe(0);
    expect(bLive()).toBe(before);
    // The restored config is live again, not just on disk.
    const a = await httpGet(server.port, "/newmount/", { host: "b.test" });
    expect(a.status).toBe(200);
    expect(a.headers["x-echo"]).toBe("1");
  });

  it("removes a brand-new file again when its first apply fails", async () => {
    const t: ApplyTarget = { ...target, fileName: "c.conf" };
    const outcome = await applyWebConfig(t, REFUSED[kind], { url: `http://127.0.0.1:${server.port}/`, host: "c.test" });
    expect(outcome).toMatchObject({ ok: false, step: "validate", rolledBack: true });
    expect(existsSync(path.join(server.snippetDir, "c.conf"))).toBe(false);
  });

  it("detects a hand edit as drift", async () => {
    const file = path.join(server.snippetDir, "b.conf");
    const applied = bLive();
    expect(await detectDrift(file, applied)).toEqual({ drift: false, diskText: applied });
    writeFileSync(file, `${applied}# edited by hand\n`);
    const d = await detectDrift(file, applied);
    expect(d.drift).toBe(true);
    expect(d.diskText).toContain("# edited by hand");
    writeFileSync(file, applied);
    expect(await detectDrift(path.join(server.snippetDir, "missing.conf"), null)).toEqual({ drift: false, diskText: null });
  });
});
