// Operations on single processes of an app, through its door: restart or kill one process (an app
// process or a worker), and the reload signal to each (SIGHUP; php-fpm's master alone, SIGUSR2).
import { err, ok, type ProcessInfo, type Result } from "../../lib/protocol";
import type { AppDoor } from "./app-door";
import { kickAcceptors } from "./readiness";

export async function restartOneProcess(app: AppDoor, pid: number): Promise<Result<ProcessInfo[]>> {
  const worker = app.workers.byPid(pid);
  if (worker) {
    await app.workers.restart(worker.name, worker.index);
    return ok(app.processes());
  }
  const slot = app.slots.find((s) => s.proc?.pid === pid);
  if (!slot) return err("NOT_FOUND", `No running process ${pid} in this app.`);
  await slot.stop();
  const problem = await slot.start();
  if (app.socket) await kickAcceptors(app.socket.address, 1);
  if (problem) return app.fail(`Process restart failed: ${problem}`);
  return ok(app.processes());
}

export async function killOneProcess(app: AppDoor, pid: number): Promise<Result<ProcessInfo[]>> {
  const proc = app.slots.find((s) => s.proc?.pid === pid)?.proc ?? app.workers.byPid(pid)?.proc;
  if (!proc) return err("NOT_FOUND", `No running process ${pid} in this app.`);
  proc.signal("SIGKILL");
  await proc.exited; // the restart policy takes it from here
  return ok(app.processes());
}

export function reloadApp(app: AppDoor): Result<ProcessInfo[]> {
  if (app.desired.spec.fpm) {
    // php-fpm's graceful reload: the master alone (USR2 would end its children), which re-executes
    // itself keeping the socket, lets each child finish its request, and starts new ones.
    for (const s of app.slots) {
      if (!s.proc?.pid) continue;
      app.sink.note(`php-fpm master ${s.proc.pid}: graceful reload (SIGUSR2)`);
      try {
        process.kill(s.proc.pid, "SIGUSR2");
      } catch {
        // gone meanwhile: the restart policy takes it from there
      }
    }
    return ok(app.processes());
  }
  for (const s of app.slots) s.proc?.signal("SIGHUP");
  return ok(app.processes());
}
