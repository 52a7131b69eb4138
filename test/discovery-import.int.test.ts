// Discovery and import through the whole stack: a PHP app started the old way (spawn-fcgi +
// php-cgi at its defaults, a hand-written nginx site pointing at its socket) is found by
// POST /hosts/{id}/discovery, imported with POST /apps + adopt.pids with its pid unchanged, then
// restarted by Stoker under load through nginx with no failed request.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPS_DIR, parseAnswer } from "./support/fixture-apps";
import { startLoad } from "./support/load";
import { ownerToken, type Stack, startStack, tokenCaller, waitUntil } from "./support/stack";
import { freePort, httpGet, type RunningServer, startWebServer } from "./support/web-servers";
import { isAlive } from "@/agent/supervisor/proc-stats";

let nginx: RunningServer;
let stack: Stack;
let token: string;
let legacy: ChildProcess;
let sock: string;
let sitePort: number;
let hostId: string;

type Candidate = { spec: Record<string, unknown> & { socket: Record<string, unknown>; name: string }; pids: number[]; source: string };
type App = { id: string; name: string; processes: { pid: number; state: string }[] };

const call = tokenCaller(() => stack.url, () => token);
const connects = (file: string) =>
  new Promise<boolean>((resolve) => {
    const s = connect(file);
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
const discover = async () => {
  const res = await call("POST", `/hosts/${hostId}/discovery`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { candidates: Candidate[] }).candidates;
};
const viaNginx = async () => parseAnswer((await httpGet(sitePort, "/", { host: "legacy.test" })).body.toString());

beforeAll(async () => {
  nginx = await startWebServer("nginx", "discovery");
  stack = await startStack({
    STOKER_WEB_TARGETS: JSON.stringify({ nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, settleMs: 200 } }),
  });
  token = await ownerToken(stack.url);
  hostId = await waitUntil(async () => ((await call("GET", "/hosts")).body as unknown as { id: string }[])[0]?.id, 60_000, "the host");
  // The old way: spawn-fcgi binds the socket (group www-data for nginx's workers), puts it on fd 0
  // and execs php-cgi in place (-n), at php-cgi's defaults (one process, 500 requests per life).
  const runDir = path.join(stack.dataDir, "run");
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  sock = path.join(runDir, "legacy.sock");
  legacy = spawn("spawn-fcgi", ["-n", "-s", sock, "-M", "0660", "-G", "www-data", "--", "/usr/bin/php-cgi"], {
    env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", LEGACY_MODE: "classic" } as Record<string, string> as NodeJS.ProcessEnv,
    stdio: "ignore",
  });
  await waitUntil(async () => existsSync(sock) && (await connects(sock)), 10_000, "spawn-fcgi's socket");
  // A hand-written nginx site on a port of its own, pointing at that socket.
  sitePort = await freePort();
  writeFileSync(
    path.join(nginx.snippetDir, "legacy.conf"),
    `# written by hand, long ago
server {
    listen 127.0.0.1:${sitePort};
    server_name legacy.test;
    location / {
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME ${path.join(APPS_DIR, "php/index.php")};
        fastcgi_pass unix:${sock};
    }
}
`,
  );
  await nginx.reload();
  await waitUntil(async () => (await viaNginx().catch(() => null))?.pid === legacy.pid, 10_000, "the legacy site through nginx");
}, 300_000);

afterAll(async () => {
  if (legacy?.pid && isAlive(legacy.pid)) legacy.kill("SIGKILL");
  await stack?.destroy();
  await nginx?.stop();
});

// Each test goes on from the state the one before left (a candidate, then an imported app): a retry
// would start from the wrong state and hide the first failure behind its own.
describe("discovery and import", { retry: 0 }, () => {
  let candidate: Candidate;

  it("finds the spawn-fcgi app with its process, its nginx site and a spec to import", async () => {
    const found = (await discover()).find((c) => c.spec.socket.path === sock);
    expect(found, "a candidate on the legacy socket").toBeDefined();
    candidate = found as Candidate;
    expect(candidate.pids).toEqual([legacy.pid]);
    expect(candidate.spec).toMatchObject({
      name: "legacy",
      hostId,
      command: ["/usr/bin/php-cgi"],
      env: { LEGACY_MODE: "classic" },
      processes: 1,
      socket: { path: sock, bind: "agent", group: "www-data", mode: "0660" },
      fastcgiParams: { SCRIPT_FILENAME: path.join(APPS_DIR, "php/index.php") },
      web: { server: "nginx", serverName: "legacy.test", listen: `127.0.0.1:${sitePort}`, mount: "/" },
    });
    expect(candidate.source).toContain(`${path.join(nginx.snippetDir, "legacy.conf")}:8`);
    expect(candidate.source).toContain("fd 0");
    // This agent's own demo app (fd 0 is its socket too) is not proposed.
    expect(existsSync(path.join(stack.dataDir, "run/demo.sock"))).toBe(true);
    expect((await discover()).some((c) => c.spec.socket.path === path.join(stack.dataDir, "run/demo.sock"))).toBe(false);
  });

  it("refuses an adoption whose pids do not serve the spec's socket, naming adopt.pids, and keeps nothing", async () => {
    const nginxPid = Number(readFileSync(nginx.pidFile, "utf8").trim());
    const wrong = await call("POST", "/apps", { ...candidate.spec, adopt: { pids: [nginxPid] } });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toContain("adopt.pids");
    expect(String(wrong.body.message)).toContain(`does not hold the socket unix:${sock}`);
    const appBound = await call("POST", "/apps", { ...candidate.spec, socket: { ...candidate.spec.socket, bind: "app" }, adopt: { pids: [legacy.pid] } });
    expect(appBound.status).toBe(400);
    expect(String(appBound.body.message)).toContain('use "socket": {"bind": "agent"}');
    const apps = (await call("GET", "/apps")).body as unknown as App[];
    expect(apps.some((a) => a.name === "legacy")).toBe(false);
    expect(isAlive(legacy.pid as number)).toBe(true);
  });

  it("imports it with its pid unchanged, then restarts it with no failed request under load", async () => {
    const created = await call("POST", "/apps", { ...candidate.spec, adopt: { pids: candidate.pids } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = String(created.body.id);
    const adopted = await waitUntil(async () => {
      const a = (await call("GET", `/apps/${id}`)).body as unknown as App;
      return a.processes?.length === 1 && a.processes[0].state === "RUNNING" && a;
    }, 30_000, "the imported app RUNNING");
    expect(adopted.processes[0].pid).toBe(legacy.pid);
    expect(isAlive(legacy.pid as number)).toBe(true);
    expect((await viaNginx())?.pid).toBe(legacy.pid);
    // No longer a candidate: Stoker runs it now.
    expect((await discover()).some((c) => c.spec.socket.path === sock)).toBe(false);

    const load = startLoad({ url: `http://127.0.0.1:${sitePort}/`, concurrency: 4, durationMs: 8000, requestTimeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 300));
    const restarted = await call("POST", `/apps/${id}/restart`);
    expect(restarted.status, JSON.stringify(restarted.body)).toBe(200);
    const result = await load.done;
    console.log(`[discovery-import] restart under load: ${result.requests} requests, ${result.failed} failed, statuses ${JSON.stringify(result.statuses)}, ${result.elapsedMs} ms`);
    expect(result.requests).toBeGreaterThan(50);
    expect(result.failed, JSON.stringify({ errors: result.errors, statuses: result.statuses })).toBe(0);
    const after = (await call("GET", `/apps/${id}`)).body as unknown as App;
    expect(after.processes[0].state).toBe("RUNNING");
    expect(after.processes[0].pid).not.toBe(legacy.pid);
    await waitUntil(async () => legacy.exitCode !== null || legacy.signalCode !== null, 15_000, "the adopted php-cgi to be retired");
    // nginx reaches the process Stoker lists. This load crosses php-cgi's default 500 requests several
    // times: if its last request was a process's 500th, the list read above can still name it while
    // its replacement answers, so the two are read together until they agree (a stray never does).
    await waitUntil(async () => {
      const who = (await viaNginx())?.pid;
      const now = (await call("GET", `/apps/${id}`)).body as unknown as App;
      return who !== undefined && who !== legacy.pid && now.processes[0]?.state === "RUNNING" && now.processes[0].pid === who;
    }, 15_000, "nginx answered by the process Stoker runs");
  }, 120_000);
});
