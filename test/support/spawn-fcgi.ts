// Runs one FastCGI app the classic way, `spawn-fcgi -n -s SOCKET -- argv`: spawn-fcgi binds the
// socket, puts it on fd 0 and execs the app, so the app is tested independently of Stoker's agent.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";

export type SpawnedFcgi = {
  pid: number;
  socketPath: string;
  child: ChildProcess;
  /** stderr so far: tracebacks of a crashing app land here. */
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exit: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
};

function connects(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/** Starts the app; does not wait for it (a crashing app may never listen). */
export function spawnFcgi(socketPath: string, argv: string[], env: Record<string, string>): SpawnedFcgi {
  const [file, ...args] = argv;
  if (!file) throw new Error("argv is empty");
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", ...env };
  // -n: no fork, spawn-fcgi execs the app in place, so child.pid is the app's pid.
  const child = spawn("spawn-fcgi", ["-n", "-M", "0660", "-s", socketPath, "--", file, ...args], {
    // Exactly the app's env plus PATH/LANG, nothing else inherited from the test runner (Next's
    // types make NODE_ENV mandatory in ProcessEnv, hence the cast).
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return {
    pid: child.pid ?? -1,
    socketPath,
    child,
    stderr: () => err,
    exit,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        const r = await exit;
        clearTimeout(t);
        return r;
      }
      return exit;
    },
  };
}

/** Starts the app and waits until its socket accepts connections. */
export async function startFcgi(socketPath: string, argv: string[], env: Record<string, string>, timeoutMs = 10_000): Promise<SpawnedFcgi> {
  const app = spawnFcgi(socketPath, argv, env);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(`${argv.join(" ")} exited at start (${await app.exit}): ${app.stderr()}`);
    }
    if (existsSync(socketPath) && (await connects(socketPath))) return app;
    await new Promise((r) => setTimeout(r, 50));
  }
  await app.stop("SIGKILL");
  throw new Error(`${argv.join(" ")} did not listen on ${socketPath} within ${timeoutMs} ms: ${app.stderr()}`);
}
