// A whole-app restart: chooses how the processes are replaced and runs that way. With no process
// serving, or a socket that changes, the app is started again; an app-bound socket is replaced in
// place (restart-app-bound.ts); an agent-owned one by a staged swap (restart-swap.ts) or paused
// (restart-paused.ts): new generation first, old one stopped after it answers.
import type { DesiredApp, ProcessInfo, Result } from "../../lib/protocol";
import type { AppDoor } from "./app-door";
import { stagedPath } from "./app-socket";
import { appBoundReplace } from "./restart-app-bound";
import { pausedReplace } from "./restart-paused";
import { swapReplace } from "./restart-swap";

/** The app as a restart sees it: its door, plus the whole-app stop and start. */
export type RestartableApp = {
  door: AppDoor;
  stop(): Promise<Result<ProcessInfo[]>>;
  start(): Promise<Result<ProcessInfo[]>>;
  setDesired(next: DesiredApp): void;
};

export async function restartApp({ door, stop, start, setDesired }: RestartableApp, next: DesiredApp): Promise<Result<ProcessInfo[]>> {
  const sameSocket = JSON.stringify(next.spec.socket) === JSON.stringify(door.desired.spec.socket);
  const live = () => door.slots.some((s) => s.state === "RUNNING");
  if (live() && sameSocket && next.spec.socket.bind === "app" && next.spec.socket.path) {
    const replaced = await appBoundReplace(door, next, next.spec.socket.path);
    if (replaced) return replaced;
  }
  // The socket the agent keeps for the app: its own, or its copy of an app-bound process's listener.
  const kept = next.spec.socket.bind === "agent" ? door.socket !== null : door.held.fd !== null;
  if (!live() && sameSocket && kept) {
    // No process serves: the socket stays, so what the web server queued meanwhile (answered 503
    // until the first new process starts) goes to the new processes; an app-bound one starts
    // staged beside the held copy, which is relayed to it (app-bound-respawn.ts).
    await Promise.all(door.slots.map((s) => s.stop()));
    setDesired(next);
    return start();
  }
  if (!live() || next.spec.socket.bind !== "agent" || !sameSocket || !door.socket) {
    await stop();
    setDesired(next);
    return start();
  }
  const plan = door.plan(next);
  if (!plan.ok) return plan;
  const generation = next.spec.socket.path ? door.generation + 1 : 0;
  if (generation && stagedPath(next.spec.socket.path!, generation)) return swapReplace(door, next, plan.value, generation);
  return pausedReplace(door, next, plan.value);
}
