// The site pipeline (applyAppWebConfig: the app's site rendered into its one file, validated,
// swapped, reloaded, probed through the server and against the other sites) against the REAL
// servers under continuous load: a good spec goes live, a refused text and a spec whose probe
// fails are rolled back, and no request to another site fails meanwhile.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, type AppSpecInput, AppSpecSchema, siteOf, type WebServer } from "../../lib/protocol";
import {
  type EchoApp,
  httpGet,
  loadLoop,
  makeTempDir,
  type RunningServer,
  startEcho,
  startWebServer,
} from "../../test/support/web-servers";
import { type ApplyOutcome, detectDrift } from "./apply-web-config";
import { applyAppWebConfig, type WebTargets } from "./web-config-ops";

const KINDS: WebServer[] = ["nginx", "lighttpd", "apache"];

/** Garbage each server's validator must refuse (the renderers cannot produce any). */
const REFUSED: Record<WebServer, string> = {
  nginx: "server {\n    listen 80;\n    no_such_directive on;\n}\n",
  lighttpd: '$HTTP["host"] == "b.test" {\n  no.such-option = "x"\n  fastcgi.server = ( "/x" => (( "socket" => \n}\n',
  apache: "<VirtualHost *:80>\n    NoSuchDirective on\n</VirtualHost>\n",
};

describe.each(KINDS)("the site pipeline on %s", (kind) => {
  let server: RunningServer;
  let echo: EchoApp;
  let targets: WebTargets;
  let appDir: string;
  let steady: AppSpec;

  function spec(host: string, mount: string, socketPath: string): AppSpec {
    const input: AppSpecInput = {
      name: host.replace(".test", ""),
      hostId: "h1",
      command: ["/usr/bin/node"],
      socket: { path: socketPath },
      web: { server: kind, serverName: host, listen: `127.0.0.1:${server.port}`, mount },
    };
    return AppSpecSchema.parse(input);
  }

  /** The app's site through the agent's own apply (its siblings: the steady site's app). */
  async function apply(app: AppSpec, text?: string): Promise<ApplyOutcome & { path: string; text: string }> {
    const r = await applyAppWebConfig(app, targets, undefined, text, app.name === steady.name ? [] : [steady]);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  }

  /** The file of the site `app` belongs to. */
  const siteFile = (app: AppSpec) => path.join(server.snippetDir, siteOf(app, [])?.fileName ?? "missing");

  /** Runs `apply` while 8 workers keep hitting the steady site; returns both results. */
  async function underLoad<T extends ApplyOutcome>(apply: () => Promise<T>) {
    const load = loadLoop(() => httpGet(server.port, "/yourapplication/ping", { host: "steady.test", timeoutMs: 5000 }), {
      durationMs: 3500,
      concurrency: 8,
      ok: (a) => a.status === 200 && a.headers["x-echo"] === "1",
    });
    await new Promise((r) => setTimeout(r, 300)); // let the load start before the change
    const outcome = await apply();
    return { outcome, load: await load };
  }

  const b = (mount = "/yourapplication", socketPath = echo.socketPath) => spec("b.test", mount, socketPath);
  const bLive = () => readFileSync(siteFile(b()), "utf8");

  beforeAll(async () => {
    appDir = makeTempDir(`apply-${kind}`);
    echo = await startEcho(path.join(appDir, "echo.sock"));
    server = await startWebServer(kind);
    targets = { [kind]: { dir: server.snippetDir, validateArgv: server.testArgv, reloadArgv: server.reloadArgv, pidFile: server.pidFile, errorLog: server.errorLog, startArgv: server.startArgv, settleMs: 400 } };
    // The steady site is the traffic that must never notice an apply; both go live the way apps do.
    steady = spec("steady.test", "/yourapplication", echo.socketPath);
    expect((await apply(steady)).ok).toBe(true);
    expect((await apply(b())).ok).toBe(true);
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  it("puts a good config live, probes it and keeps every request answered", async () => {
    const { outcome, load } = await underLoad(() => apply(b("/newmount")));
    expect(outcome, outcome.message).toMatchObject({ ok: true, step: "done", rolledBack: false });
    expect(outcome.probe?.status).toBe(200);
    expect(load.failed, load.failures.join("\n")).toBe(0);
    expect(load.total).toBeGreaterThan(50);
    expect(outcome.path).toBe(siteFile(b()));
    expect(bLive()).toBe(outcome.text);
    const a = await httpGet(server.port, "/newmount/x", { host: "b.test" });
    expect(JSON.parse(a.body.toString()).params.SCRIPT_NAME).toBe("/newmount");
    expect(readdirSync(server.snippetDir).filter((f) => f.startsWith("."))).toEqual([]); // no leftovers
  });

  it("restores the previous file when the validator refuses the candidate", async () => {
    const before = bLive();
    // Text given by hand (the webconfig editor's path) goes through the same pipeline.
    const { outcome, load } = await underLoad(() => apply(b("/newmount"), REFUSED[kind]));
    expect(outcome).toMatchObject({ ok: false, step: "validate", rolledBack: true, probe: null });
    expect(outcome.validatorOutput.length).toBeGreaterThan(0);
    expect(load.failed, load.failures.join("\n")).toBe(0);
    expect(bLive()).toBe(before);
    expect((await httpGet(server.port, "/newmount/", { host: "b.test" })).headers["x-echo"]).toBe("1");
    expect(readdirSync(server.snippetDir).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("rolls back and reloads again when the new config validates but its probe fails (wrong upstream)", async () => {
    const before = bLive();
    const { outcome, load } = await underLoad(() => apply(b("/newmount", path.join(appDir, "nobody-listens-here.sock"))));
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
    const c = spec("c.test", "/", echo.socketPath);
    const outcome = await apply(c, REFUSED[kind]);
    expect(outcome).toMatchObject({ ok: false, step: "validate", rolledBack: true });
    expect(existsSync(siteFile(c))).toBe(false);
  });

  it("detects a hand edit as drift", async () => {
    const file = siteFile(b());
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
