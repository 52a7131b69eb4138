// Benchmark: what a restart costs under load with supervisord 4.2's [fcgi-program] (4 php-cgi on a
// Unix socket behind nginx): requests, failures, restart time, supervisord RSS. Loopback and temp dirs only.
// Run: node --import tsx bench/supervisord-restart.ts   (each run is an exported function for reuse)
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type NginxFront, startNginxFront } from "../test/support/nginx-front";

const PHP_INDEX = path.resolve(import.meta.dirname, "../examples/apps/php/index.php");

/** What supervisord runs as its [fcgi-program] (named "php" whatever it is, so the group is php:*). */
export type Program = { command: string[]; env: Record<string, string>; params: Record<string, string>; stopSignal: string };
export const PHP_PROGRAM: Program = {
  command: ["/usr/bin/php-cgi"],
  // Benchmark baseline: recycling off, as in bench/restart.ts (supervisord takes each recycle exit
  // for a crash); the restart matrix runs php-cgi at its defaults.
  env: { PHP_FCGI_CHILDREN: "0", PHP_FCGI_MAX_REQUESTS: "0" },
  params: { SCRIPT_FILENAME: PHP_INDEX },
  stopSignal: "TERM",
};

export type WrkOptions = { threads: number; connections: number; durationS: number };
export const DEFAULT_WRK: WrkOptions = { threads: 2, connections: 32, durationS: 8 };
// Restarting 4 processes one at a time takes 8-10 s with supervisord (each waits startsecs=1 and
// supervisorctl's own start-up), so that run needs a longer load to cover the whole restart.
export const ONE_BY_ONE_WRK: WrkOptions = { threads: 2, connections: 32, durationS: 16 };

export type WrkResult = {
  requests: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  requestsPerSec: number;
};

/** One row of the comparison table; Stoker's own runs fill the same shape. */
export type RestartBenchResult = {
  system: string;
  mode: string;
  /** e.g. "wrk -t2 -c32 -d8s", restart issued 3 s in. */
  load: string;
  processes: number;
  requests: number;
  /** non-2xx/3xx responses plus every wrk socket error. */
  failed: number;
  wrk: WrkResult;
  /** Wall time of the restart command(s). */
  restartCommandMs: number;
  /** From the first restart command until every process was RUNNING again (polled every 20 ms). */
  allRunningMs: number;
  /** Resident memory of the supervising process (supervisord / agent), in KiB. */
  rssKiB: { beforeRestart: number; peak: number; after: number };
  /** What nginx said about failed upstream requests, by reason. */
  nginxErrors: Record<string, number>;
};

function runArgv(argv: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...args] = argv;
  if (!file) throw new Error("empty argv");
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: {
      connect: Number(sock?.[1] ?? 0),
      read: Number(sock?.[2] ?? 0),
      write: Number(sock?.[3] ?? 0),
      timeout: Number(sock?.[4] ?? 0),
    },
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
  };
}

export function wrkFailed(w: WrkResult): number {
  const s = w.socketErrors;
  return w.non2xx + s.connect + s.read + s.write + s.timeout;
}

/** Runs wrk against a loopback URL and, `actionAtMs` after it starts, the given action. */
export async function underLoad<T>(url: string, actionAtMs: number, action: () => Promise<T>, wrk: WrkOptions = DEFAULT_WRK) {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`load only against 127.0.0.1, not ${url}`);
  const started = Date.now();
  const load = runArgv(["wrk", `-t${wrk.threads}`, `-c${wrk.connections}`, `-d${wrk.durationS}s`, url], (wrk.durationS + 30) * 1000);
  await new Promise((r) => setTimeout(r, actionAtMs));
  const actionResult = await action();
  const actionEndedMs = Date.now() - started;
  const out = await load;
  if (out.code !== 0) throw new Error(`wrk failed (${out.code}): ${out.stderr}`);
  // A restart that outlasts the load would hide its own failures: refuse the measurement.
  if (actionEndedMs > wrk.durationS * 1000) {
    throw new Error(`the action ended at ${actionEndedMs} ms, after the ${wrk.durationS} s load: use a longer load`);
  }
  return { wrk: parseWrk(out.stdout), action: actionResult };
}

/** VmRSS of a pid in KiB (0 once it is gone). */
export function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Samples a pid's RSS every 200 ms until stopped; returns the peak. */
export function sampleRss(pid: number): { stop(): number } {
  let peak = rssKiB(pid);
  const t = setInterval(() => {
    peak = Math.max(peak, rssKiB(pid));
  }, 200);
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, rssKiB(pid));
    },
  };
}

/** Counts nginx error-log lines by the reason that matters for FastCGI upstreams. */
export function nginxErrorReasons(log: string): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const line of log.split("\n")) {
    const m = /(connect\(\) to \S+ failed \([^)]*\)|upstream prematurely closed connection|recv\(\) failed \([^)]*\)|upstream timed out)/.exec(line);
    if (m?.[1]) {
      const key = m[1].replace(/unix:\S+/, "unix:SOCKET");
      reasons[key] = (reasons[key] ?? 0) + 1;
    }
  }
  return reasons;
}

type Supervisord = {
  dir: string;
  socketPath: string;
  child: ChildProcess;
  ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  states(): Promise<{ name: string; state: string; pid: number }[]>;
  stop(): Promise<void>;
};

function xmlRpc(rpcSocket: string, method: string): Promise<string> {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params></params></methodCall>`;
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: rpcSocket, path: "/RPC2", method: "POST", headers: { "content-type": "text/xml", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => {
          text += d.toString();
        });
        res.on("end", () => resolve(text));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error("xml-rpc timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

export async function startSupervisord(processes: number, program: Program = PHP_PROGRAM): Promise<Supervisord> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-bench-supervisord-"));
  const socketPath = path.join(dir, "php.sock");
  const rpcSocket = path.join(dir, "supervisor.sock");
  const conf = path.join(dir, "supervisord.conf");
  writeFileSync(
    conf,
    `[unix_http_server]
file=${rpcSocket}
chmod=0700

[supervisord]
nodaemon=true
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}
user=root

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${rpcSocket}

; supervisord owns the socket and hands it to every process as fd 0, as Stoker's agent does.
[fcgi-program:php]
socket=unix://${socketPath}
socket_mode=0660
command=${program.command.join(" ")}
process_name=%(program_name)s_%(process_num)02d
numprocs=${processes}
${Object.keys(program.env).length ? `environment=${Object.entries(program.env).map(([k, v]) => `${k}="${v}"`).join(",")}` : ""}
autorestart=true
stopsignal=${program.stopSignal}
stopwaitsecs=10
`,
  );
  const child = spawn("supervisord", ["-n", "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const states = async () => {
    const xml = await xmlRpc(rpcSocket, "supervisor.getAllProcessInfo");
    return [...xml.matchAll(/<struct>([\s\S]*?)<\/struct>/g)].map((m) => {
      const s = m[1] ?? "";
      const field = (n: string) => new RegExp(`<name>${n}</name>\\s*<value><(?:string|int)>([^<]*)<`).exec(s)?.[1] ?? "";
      return { name: field("name"), state: field("statename"), pid: Number(field("pid")) };
    });
  };
  const sv: Supervisord = {
    dir,
    socketPath,
    child,
    ctl: (...args) => runArgv(["supervisorctl", "-c", conf, ...args]),
    states,
    async stop() {
      const pids = (await states().catch(() => [])).map((p) => p.pid).filter((p) => p > 0);
      if (child.exitCode === null) {
        child.kill("SIGTERM"); // supervisord stops its programs, then exits
        const exited = new Promise((r) => child.once("exit", r));
        const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(t);
      }
      // Only the pids this run started, and only if supervisord left them behind.
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone: the normal case
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`supervisord exited (${child.exitCode}): ${stderr}`);
    const s = await states().catch(() => []);
    if (s.length === processes && s.every((p) => p.state === "RUNNING")) return sv;
    await new Promise((r) => setTimeout(r, 100));
  }
  await sv.stop();
  throw new Error(`supervisord's ${processes} processes were not RUNNING within 20 s: ${stderr}`);
}

/**
 * Watches process states every 20 ms from `since` until the restart commands are done and every
 * process is RUNNING; returns the time of the first all-RUNNING poll after the last one that was not.
 */
function watchUntilAllRunning(sv: Supervisord, since: number, timeoutMs = 90_000) {
  let commandsDone = false;
  const result = (async () => {
    let settledAt = since;
    let allRunning = false;
    while (Date.now() - since < timeoutMs) {
      const s = await sv.states().catch(() => []);
      const all = s.length > 0 && s.every((p) => p.state === "RUNNING");
      if (all && !allRunning) settledAt = Date.now();
      allRunning = all;
      if (all && commandsDone) return settledAt - since;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("processes did not all return to RUNNING");
  })();
  return {
    commandsFinished() {
      commandsDone = true;
      return result;
    },
  };
}

export type SupervisordMode = "group" | "one-by-one";

export async function benchSupervisordRestart(
  mode: SupervisordMode,
  processes = 4,
  wrk: WrkOptions = DEFAULT_WRK,
  program: Program = PHP_PROGRAM,
  restartAtMs = 3000,
): Promise<RestartBenchResult> {
  const sv = await startSupervisord(processes, program);
  let front: NginxFront | undefined;
  try {
    front = await startNginxFront({ socket: `unix:${sv.socketPath}`, params: program.params, workers: 2 });
    const svPid = sv.child.pid ?? 0;
    const rss = sampleRss(svPid);
    let beforeRestart = 0;
    const { wrk: load, action } = await underLoad(
      `${front.url}/`,
      restartAtMs,
      async () => {
        beforeRestart = rssKiB(svPid);
        const started = Date.now();
        const watch = watchUntilAllRunning(sv, started);
        if (mode === "group") {
          const r = await sv.ctl("restart", "php:*");
          if (r.code !== 0) throw new Error(`supervisorctl restart php:* failed: ${r.stdout}${r.stderr}`);
        } else {
          for (let i = 0; i < processes; i++) {
            const name = `php:php_${String(i).padStart(2, "0")}`;
            const r = await sv.ctl("restart", name);
            if (r.code !== 0) throw new Error(`supervisorctl restart ${name} failed: ${r.stdout}${r.stderr}`);
          }
        }
        const commandMs = Date.now() - started;
        return { commandMs, allRunningMs: await watch.commandsFinished() };
      },
      wrk,
    );
    const peak = rss.stop();
    return {
      system: "supervisord 4.2 [fcgi-program]",
      mode: mode === "group" ? "group restart (php:*)" : "one by one",
      load: `wrk -t${wrk.threads} -c${wrk.connections} -d${wrk.durationS}s, restart at ${restartAtMs / 1000} s`,
      processes,
      requests: load.requests,
      failed: wrkFailed(load),
      wrk: load,
      restartCommandMs: action.commandMs,
      allRunningMs: action.allRunningMs,
      rssKiB: { beforeRestart, peak, after: rssKiB(svPid) },
      nginxErrors: nginxErrorReasons(front.readErrorLog()),
    };
  } finally {
    await front?.stop();
    await sv.stop();
  }
}

export const MARKDOWN_HEADER = `| system | restart | load | requests | failed | restart command (ms) | all RUNNING (ms) | supervisor RSS peak (MiB) |
|---|---|---|---:|---:|---:|---:|---:|`;

export function markdownRow(r: RestartBenchResult): string {
  const mib = (k: number) => (k / 1024).toFixed(1);
  return `| ${r.system} | ${r.mode} | ${r.load} | ${r.requests} | ${r.failed} | ${r.restartCommandMs} | ${r.allRunningMs} | ${mib(r.rssKiB.peak)} |`;
}

export async function supervisordRows(): Promise<RestartBenchResult[]> {
  const results: RestartBenchResult[] = [];
  for (const mode of ["group", "one-by-one"] as const) results.push(await benchSupervisordRestart(mode, 4, mode === "group" ? DEFAULT_WRK : ONE_BY_ONE_WRK));
  return results;
}

async function main(): Promise<void> {
  const results: RestartBenchResult[] = [];
  for (const mode of ["group", "one-by-one"] as const) {
    const r = await benchSupervisordRestart(mode, 4, mode === "group" ? DEFAULT_WRK : ONE_BY_ONE_WRK);
    console.log(JSON.stringify(r));
    results.push(r);
  }
  console.log(`\n${MARKDOWN_HEADER}`);
  for (const r of results) console.log(markdownRow(r));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
