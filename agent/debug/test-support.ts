// Test helpers for the debug tests: temp dirs www-data can traverse, script fixtures, specs, and
// a "live" app started the way the supervisor starts it (agent-owned socket as fd 0).
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AppSpec, type AppSpecInput, AppSpecSchema } from "../../lib/protocol";
import { applyOwnership } from "../supervisor/app-socket";
import { planLaunch } from "../supervisor/launch-plan";
import { closeFd, listenUnix } from "../native";

export const PERL_HELLO = `#!/usr/bin/perl
use strict;
use warnings;
use FCGI;
my %params;
my $request = FCGI::Request(\\*STDIN, \\*STDOUT, \\*STDERR, \\%params, 0);
$SIG{TERM} = sub { exit 0 };
while ($request->Accept() >= 0) {
    print "Content-Type: text/plain\\r\\n\\r\\nhello from perl as $<\\n";
    $request->Finish();
}
`;

export function tempDir(prefix = "stoker-dbg-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755); // www-data must traverse it
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function writeFile(file: string, text: string | Buffer, mode = 0o644): string {
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

export function makeSpec(dir: string, input: Partial<AppSpecInput>): AppSpec {
  return AppSpecSchema.parse({
    name: "dbg",
    hostId: "h1",
    user: "www-data",
    cwd: dir,
    socket: { path: path.join(dir, "app.sock"), group: "www-data", mode: "0660" },
    command: ["/bin/true"],
    ...input,
  });
}

export type LiveApp = { pid: number; stop(): Promise<void> };

/** Starts the app on its spec socket as the supervisor would: socket by the agent, fd 0, app's env. */
export function startLive(spec: AppSpec, socketDirs: string[]): LiveApp {
  const plan = planLaunch(spec, socketDirs);
  if (!plan.ok) throw new Error(plan.message);
  const file = spec.socket.path!;
  const fd = listenUnix(file);
  applyOwnership(file, spec.socket); // the agent's own rule, defaults included
  let child: ChildProcess;
  try {
    child = spawn(plan.value.file, plan.value.args, {
      cwd: plan.value.cwd,
      env: plan.value.env as NodeJS.ProcessEnv,
      uid: plan.value.uid,
      gid: plan.value.gid,
      detached: true,
      stdio: [fd, "ignore", "ignore"],
    });
  } finally {
    closeFd(fd);
  }
  const pid = child.pid;
  // Without a pid, -pid would be 0: a signal to our own process group.
  if (!pid) throw new Error(`Could not start ${plan.value.file} for the test.`);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    pid,
    async stop() {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

/** Tries to connect to a Unix socket as another uid (to check the doctor's arithmetic against the kernel). */
export function connectsAs(uid: number, gid: number, socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/python3", ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", socketPath], {
      uid,
      gid,
      stdio: "ignore",
    });
    child.once("exit", (code) => resolve(code === 0));
  });
}
