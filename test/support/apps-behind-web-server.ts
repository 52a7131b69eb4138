// Apps run by an in-process Supervisor behind a real test web server (nginx, lighttpd or Apache), on
// one site the test rendered and applied: the setup the agent's web-facing integration tests share.
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { renderSite } from "@/agent/render/index";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { type AppSpec, type Site, siteOf, type WebServer } from "@/lib/protocol";
import { waitUntil } from "./wait";
import { httpGet, makeTempDir, type RunningServer, startWebServer, webTargetOf } from "./web-servers";

export type AppsBehindWebServerOptions = {
  kind: WebServer;
  /** Names the temp dir and the server's prefix. */
  label: string;
  /** The apps, all of one site on this server; called once it listens (`port` goes in web.listen). */
  apps: (at: { dir: string; port: number }) => AppSpec[];
  /** Give the site its own logs in `siteLogDir`, rendered in and followed by the agent (default: none). */
  siteLogs?: boolean;
  /** Have the agent follow the server's main error log (Supervisor `webErrorLogs`). */
  errorLog?: boolean;
  /** Supervisor `metrics` (default: the Supervisor's own). */
  metrics?: boolean;
  /** Passed to startWebServer. */
  server?: Parameters<typeof startWebServer>[2];
};

export type AppsBehindWebServer = {
  readonly dir: string;
  readonly stateDir: string;
  /** Where the site's own logs go (exists only with `siteLogs`). */
  readonly siteLogDir: string;
  readonly server: RunningServer;
  /** The current one: `restartAgent` replaces it. */
  readonly supervisor: Supervisor;
  /** The site as last applied, and its rendered text. */
  readonly site: Site;
  readonly siteText: string;
  /** Renders the site of `apps` and reloads the server with it (no wait: the caller checks what it needs). */
  applySite(apps: AppSpec[]): Promise<void>;
  /** An agent restart: detaches the Supervisor, and a new one on the same state dir adopts the apps. */
  restartAgent(): Promise<Supervisor>;
};

/**
 * Call inside a `describe`. Its beforeAll (60 s) starts the server, puts every app (approved, as an
 * owner's save), renders their site into the server's snippet dir (where the agent re-applies it on
 * removal), reloads, and waits until each app answers 200 at its mount through the server. Its
 * afterAll removes every app (each removal must succeed: it re-applies the site through the test
 * server, and a refused one would keep the app running), detaches, stops the server, removes the dir.
 * The test's own beforeAll hooks, registered after this call, run after that setup.
 *
 *   const web = appsBehindWebServer({ kind, label: `tb-${kind}`, siteLogs: true, errorLog: true,
 *     apps: ({ dir, port }) => [AppSpecSchema.parse({ ..., web: { server: kind, listen: `127.0.0.1:${port}`, ... } })] });
 *   it("...", async () => { await httpGet(web.server.port, "/x", { host }); web.supervisor.logs.tracebacks(id); });
 */
export function appsBehindWebServer(opts: AppsBehindWebServerOptions): AppsBehindWebServer {
  const { kind } = opts;
  let dir: string | undefined;
  let server: RunningServer | undefined;
  let supervisor: Supervisor | undefined;
  let site: Site | undefined;
  let siteText: string | undefined;
  const appIds: string[] = [];
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`appsBehindWebServer: ${what} is used before its beforeAll ran`);
    return v;
  };
  const siteLogDir = () => path.join(ready(dir, "dir"), "site-logs");
  const newSupervisor = () => {
    const s = ready(server, "server");
    return new Supervisor({
      stateDir: path.join(ready(dir, "dir"), "state"),
      socketDirs: [ready(dir, "dir")],
      ...(opts.errorLog ? { webErrorLogs: { [kind]: s.errorLog } } : {}),
      webTargets: { [kind]: webTargetOf(s, opts.siteLogs ? { siteLogDir: siteLogDir() } : {}) },
      ...(opts.metrics === undefined ? {} : { metrics: opts.metrics }),
    });
  };
  const applySite = async (apps: AppSpec[]) => {
    const s = ready(server, "server");
    const next = siteOf(apps[0], apps, kind);
    if (!next) throw new Error("no site: the apps have no web section");
    const text = renderSite(next, { logDir: opts.siteLogs ? siteLogDir() : undefined });
    if (!text.ok) throw new Error(text.message);
    writeFileSync(path.join(s.snippetDir, next.fileName), text.value);
    await s.reload();
    site = next;
    siteText = text.value;
  };

  beforeAll(async () => {
    dir = makeTempDir(opts.label);
    server = await startWebServer(kind, opts.label, opts.server);
    if (opts.siteLogs) {
      mkdirSync(siteLogDir());
      chownSync(siteLogDir(), 33, 33); // www-data: the servers open their logs after dropping privileges
    }
    const apps = opts.apps({ dir, port: server.port });
    supervisor = newSupervisor();
    for (const spec of apps) {
      appIds.push(spec.name); // removed after, even if its put is refused
      const put = await supervisor.put({ appId: spec.name, revision: 1, desired: "running", spec, rootApproved: true });
      expect(put.ok, JSON.stringify(put)).toBe(true);
    }
    await applySite(apps);
    const { port } = server;
    for (const a of apps) {
      const host = a.web?.serverName;
      const at = (a.web?.mount ?? "/").replace(/\/?$/, "/");
      await waitUntil(async () => ((await httpGet(port, at, { host })).status === 200 ? true : null), 15_000, `${a.name} at ${at} through ${kind}`);
    }
  }, 60_000);

  afterAll(async () => {
    if (supervisor) for (const appId of appIds) expect(await supervisor.execute({ op: "app.remove", appId })).toMatchObject({ ok: true });
    supervisor?.detachAll();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  return {
    get dir() {
      return ready(dir, "dir");
    },
    get stateDir() {
      return path.join(ready(dir, "dir"), "state");
    },
    get siteLogDir() {
      return siteLogDir();
    },
    get server() {
      return ready(server, "server");
    },
    get supervisor() {
      return ready(supervisor, "supervisor");
    },
    get site() {
      return ready(site, "site");
    },
    get siteText() {
      return ready(siteText, "siteText");
    },
    applySite,
    async restartAgent() {
      ready(supervisor, "supervisor").detachAll();
      supervisor = newSupervisor();
      await supervisor.adoptAll();
      return supervisor;
    },
  };
}
