// The edges of supervision that real setups hit: app-bound sockets (owner/group/mode, a stale file
// left by a killed app, the file removed with the app), a `web`-only change that must not restart
// anything, `{release}` in command[0], the clean environment apps get, and an agent run from a config
// file that says why an app in it is not running.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp } from "@/lib/protocol";
import { APPS_DIR, appSpecFor, RUN_AS } from "./support/fixture-apps";
import { scratchPerTest } from "./support/scratch";
import { waitUntil } from "./support/stack";

const { dir, cleanups } = scratchPerTest("stoker-edges-");
let n = 0;

function desired(spec: object, revision = 1): DesiredApp {
  // Named explicitly and approved, as an owner's save would be: an omitted user never means root.
  const parsed = AppSpecSchema.parse({ ...RUN_AS, ...spec });
  return { appId: parsed.name, revision, desired: "running", spec: parsed, rootApproved: true };
}

function supervisor(): Supervisor {
  const sup = new Supervisor({ stateDir: path.join(dir, `state-${++n}`), socketDirs: [dir] });
  cleanups.push(async () => {
    for (const id of [...sup.apps.keys()]) await sup.execute({ op: "app.remove", appId: id });
  });
  return sup;
}

/** Connects to a Unix socket as www-data (uid 33): what the web server's workers can do. */
function connectsAsWwwData(sock: string): boolean {
  const script = `require("net").connect(${JSON.stringify(sock)}).on("connect",()=>process.exit(0)).on("error",(e)=>{console.error(e.code);process.exit(1)})`;
  return spawnSync(process.execPath, ["-e", script], { uid: 33, gid: 33, timeout: 5000 }).status === 0;
}

function boundPhp(name: string, sock: string) {
  return {
    name,
    hostId: "h",
    command: ["/usr/bin/php-cgi", "-b", sock],
    fastcgiParams: { SCRIPT_FILENAME: path.join(APPS_DIR, "php/index.php") },
    socket: { path: sock, bind: "app", group: "www-data", mode: "0660" },
  };
}

describe("an app that binds its own socket", () => {
  it("gets the spec's group and mode on the socket it creates, so www-data can connect", async () => {
    const sock = path.join(dir, `own-${++n}.sock`);
    const sup = supervisor();
    const put = await sup.put(desired(boundPhp("own", sock)));
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const st = statSync(sock);
    expect(st.gid).toBe(33);
    expect((st.mode & 0o777).toString(8)).toBe("660");
    expect(connectsAsWwwData(sock)).toBe(true);
  });

  it("with no readiness probe, starts before the app creates its socket, and sets the socket's access once it does", async () => {
    const sock = path.join(dir, `late-${++n}.sock`);
    const sup = supervisor();
    // php-cgi binding a second after it starts (a slow import, say): nothing waits for it.
    const late = { ...boundPhp("late", sock), command: ["/bin/sh", "-c", 'sleep 1; exec /usr/bin/php-cgi -b "$0"', sock], ready: { probe: "none" } };
    const put = await sup.put(desired(late));
    expect(put.ok, JSON.stringify(put)).toBe(true);
    expect(existsSync(sock)).toBe(false);
    const deadline = Date.now() + 10_000;
    while (!(existsSync(sock) && (statSync(sock).mode & 0o777) === 0o660) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const st = statSync(sock);
    expect(st.gid).toBe(33);
    expect((st.mode & 0o777).toString(8)).toBe("660");
    expect(connectsAsWwwData(sock)).toBe(true);
  });

  it("starts although a killed run left its socket file, and the file goes with the app", async () => {
    const sock = path.join(dir, `stale-${++n}.sock`);
    // A socket file nothing listens on: what SIGKILL leaves behind.
    const bind = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", sock]);
    expect(bind.status).toBe(0);
    expect(existsSync(sock)).toBe(true);
    const sup = supervisor();
    const put = await sup.put(desired(boundPhp("stale", sock)));
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const pid = sup.apps.get("stale")!.processes()[0]!.pid;
    expect(pid).toBeGreaterThan(0);
    // SIGKILL the app: the file stays, and the restart must still come up.
    process.kill(pid, "SIGKILL");
    const restarted = await sup.execute({ op: "app.restart", appId: "stale" });
    expect(restarted.ok, JSON.stringify(restarted)).toBe(true);
    const removed = await sup.execute({ op: "app.remove", appId: "stale" });
    expect(removed.ok).toBe(true);
    expect(existsSync(sock)).toBe(false);
  });

  it("refuses to remove a socket that something answers on", async () => {
    const sock = path.join(dir, `live-${++n}.sock`);
    const other = createServer();
    await new Promise<void>((r) => other.listen(sock, r));
    cleanups.push(() => new Promise<void>((r) => other.close(() => r())));
    const sup = supervisor();
    const put = await sup.put(desired(boundPhp("taken", sock)));
    expect(put.ok).toBe(false);
    expect(JSON.stringify(put)).toContain("Another process already serves");
  });
});

describe("spec changes", () => {
  it("a change to web only keeps the same processes; a change to env replaces them", async () => {
    const sock = path.join(dir, `web-${++n}.sock`);
    const sup = supervisor();
    const spec = { ...appSpecFor("php", sock), name: "webonly", processes: 2 };
    expect((await sup.put(desired(spec, 1))).ok).toBe(true);
    const pids = () => sup.apps.get("webonly")!.processes().map((p) => p.pid).sort();
    const before = pids();
    const web = { server: "nginx", listen: "127.0.0.1:8080", serverName: "example.test", mount: "/app" };
    const put2 = await sup.put(desired({ ...spec, web }, 2));
    expect(put2.ok, JSON.stringify(put2)).toBe(true);
    expect(pids()).toEqual(before);
    expect(sup.status()[0]!.revision).toBe(2);
    const put3 = await sup.put(desired({ ...spec, web, env: { ...spec.env, APP_VERSION: "v2" } }, 3));
    expect(put3.ok, JSON.stringify(put3)).toBe(true);
    for (const pid of pids()) expect(before).not.toContain(pid);
  });

  it("accepts {release} in command[0] for an app with a deploy section", async () => {
    const sup = supervisor();
    const spec = AppSpecSchema.parse({
      name: "released",
      hostId: "h",
      command: ["{release}/app.fcgi"],
      cwd: "{release}",
      socket: { path: path.join(dir, "released.sock") },
      deploy: { root: path.join(dir, "released-root"), source: { archive: true } },
    });
    const r = await sup.execute({ op: "app.validate", spec: { ...spec, ...RUN_AS }, rootApproved: true });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
});

describe("the environment apps get", () => {
  it("is the system PATH, the user's HOME, PYTHONUNBUFFERED and the spec's env, not the agent's", async () => {
    const sock = path.join(dir, `env-${++n}.sock`);
    const saved = process.env.PATH;
    process.env.PATH = `/root/.pyenv/shims:${saved}`; // what `npm start` from a user's shell brings
    cleanups.push(() => {
      process.env.PATH = saved;
    });
    const sup = supervisor();
    const put = await sup.put(desired({ ...appSpecFor("node", sock), name: "envcheck", user: "www-data", env: { MY_SETTING: "x" } }));
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const pid = sup.apps.get("envcheck")!.processes()[0]!.pid;
    const env = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, "utf8")
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    expect(env.PATH).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(env).toMatchObject({ HOME: "/var/www", USER: "www-data", LOGNAME: "www-data", PYTHONUNBUFFERED: "1", MY_SETTING: "x" });
    expect(Object.keys(env).sort()).toEqual(["HOME", "LANG", "LOGNAME", "MY_SETTING", "PATH", "PYTHONUNBUFFERED", "USER"]);
  });
});

describe("an agent run from a config file", () => {
  it("says on stderr why an app in the file is not running, naming the app and the file", async () => {
    const config = path.join(dir, "apps.json");
    // The socket outside --socket-dirs: refused when the app is put in place, not by the file's schema.
    const outside = path.join(dir, "elsewhere", "cfg.sock");
    writeFileSync(config, JSON.stringify({ apps: [appSpecFor("node", outside, { name: "cfgbad" })] }));
    const args = ["dist/agent.mjs", "--config", config, "--state-dir", path.join(dir, "state-cfg"), "--socket-dirs", path.join(dir, "run")];
    const agent = spawn(process.execPath, args, {
      cwd: path.resolve(import.meta.dirname, ".."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanups.push(() => {
      agent.kill("SIGKILL");
    });
    let out = "";
    let errors = "";
    agent.stdout.on("data", (b: Buffer) => (out += b.toString()));
    agent.stderr.on("data", (b: Buffer) => (errors += b.toString()));
    await waitUntil(async () => out.includes("running 0 app(s)"), 30_000, "the agent to report what it runs");
    expect(errors).toContain(`[agent] app "cfgbad" in ${config} is not running: `);
    // The field's own message, not only "The spec does not fit this host.".
    expect(errors).toContain(`socket.path: Sockets must live under one of: ${path.join(dir, "run")}`);
  });
});
