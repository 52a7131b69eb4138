// The log keeper's second job while the agent is away: an app process that exits is replaced, so a
// host keeps serving through an agent outage even with apps that recycle themselves (php-cgi exits
// after PHP_FCGI_MAX_REQUESTS=500 requests by default; with 2 processes under load an app had none
// left within seconds). The agent tells its keeper how its apps' processes are started (the launch
// plan it uses itself, sent over the lifeline: keeper-protocol.ts); when the agent goes, the keeper
// takes a duplicate of each app's listening socket from a live process (its fd 0), watches the live
// generation's processes, and starts a replacement exactly as the agent would (startChild: same
// argv, env, user, cwd, fd layout and cgroup), on the same socket, so the web server's connections
// queue there meanwhile instead of failing. Each replacement goes into the state file at once (the
// next agent adopts it like any process, even if this keeper dies), and into the events the
// handback carries to the app's timeline.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { ProcessTransition } from "../../lib/protocol";
import { takeFd } from "../native";
import { hasAccepted, waitingInAccept } from "../supervisor/accept-state";
import { AppCgroup, type ProcessTree } from "../supervisor/app-cgroup";
import type { SavedApp } from "../supervisor/app-runner";
import { isAlive, readProcStat } from "../supervisor/proc-stats";
import { liveGeneration } from "../supervisor/recover-generation";
import { startChild } from "../supervisor/spawn-process";
import { readState, writeState } from "../supervisor/state-file";
import { MAX_HANDBACK_EVENTS, type StandbyApp } from "./keeper-protocol";
import { replacementDelay, type SlotHistory } from "./standby-policy";

/** How often processes the keeper did not start are looked at (an ended pipe triggers a look at once). */
const CHECK_MS = 100;

type Watched = {
  appId: string;
  slot: number;
  generation: number;
  restarts: number;
  pid: number;
  startTicks: number;
  startedAt: string;
  born: number;
  /** Set for the keeper's own replacements: their exit status is known. */
  child: ChildProcess | null;
  /** A replacement seen at work on the socket (accept-state.ts): its clean exit is a recycle. */
  served?: boolean;
  tree: ProcessTree | null;
  history: SlotHistory;
};

/** Hands a replacement's output pipes to the keeper's reading. */
export type KeepPipes = (appId: string, pid: number, outR: number, errR: number) => void;

export class Standby {
  private recipes = new Map<string, StandbyApp>();
  private sockets = new Map<string, number>();
  private cgroups = new Map<string, AppCgroup>();
  private watched: Watched[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private events: ProcessTransition[] = [];
  private active = false;
  private failing = 0;
  private lastCheck = 0;
  private readonly stateFile: string;

  constructor(
    private readonly stateDir: string,
    private readonly keep: KeepPipes,
    private readonly log: (message: string) => void,
  ) {
    this.stateFile = path.join(stateDir, "state.json");
  }

  /** The agent's current recipes (it sends them whenever they change). */
  setRecipes(apps: StandbyApp[]): void {
    if (this.active) return; // only a live agent sends them; after it left they are what it last said
    this.recipes = new Map(apps.map((a) => [a.appId, a]));
  }

  /** The agent is gone: watch the live generation of every app it wanted running. */
  begin(saved: SavedApp[]): void {
    this.active = true;
    for (const app of saved) {
      const recipe = this.recipes.get(app.desired.appId);
      if (!recipe) continue;
      const alive = app.processes.filter((p) => p.pid && isAlive(p.pid, p.startTicks));
      // A restart the agent did not finish (two generations): the next agent settles it; until then
      // only the generation the agent last named, and only if it is the one on the socket's path.
      const live = liveGeneration(recipe.socket, app.generation, alive.map((p) => p.generation));
      if (live !== recipe.generation) continue;
      if (recipe.socket.bind === "agent") {
        // Any live process will do: one that recycles (exits) this very moment has no fd 0 left to take.
        const fd = socketFrom(alive.filter((p) => p.generation === live).map((p) => p.pid), (pid, e) => this.log(`${recipe.appId}: cannot take its socket from ${pid} (${String(e)})`));
        if (fd === null) {
          this.log(`${recipe.appId}: no live process to take its socket from: its processes are not replaced`);
          continue;
        }
        this.sockets.set(recipe.appId, fd);
      }
      for (const p of app.processes.filter((q) => q.generation === live && q.pid)) {
        const born = Date.parse(p.startedAt);
        this.watched.push({ ...p, appId: recipe.appId, born: Number.isNaN(born) ? 0 : born, child: null, tree: null, history: { unprovenRecycles: 0, failures: 0 } });
      }
    }
    this.log(`watching ${this.watched.length} processes of ${this.sockets.size} apps to replace any that exits`);
    this.check(true);
  }

  /** Looks at the processes the keeper did not start (their exit is not signalled to it); `now`: at once (a pipe ended). */
  check(now = false): void {
    if (!this.active || (!now && Date.now() - this.lastCheck < CHECK_MS)) return;
    this.lastCheck = Date.now();
    for (const w of this.watched.filter((x) => !x.child && !isAlive(x.pid, x.startTicks))) this.exited(w, null);
    for (const w of this.watched) if (w.child && !w.served && (waitingInAccept(w.pid) || hasAccepted(w.pid))) w.served = true;
  }

  /** A process is watched or a replacement is due: the keeper has work while the agent is away. */
  busy(): boolean {
    return this.watched.length > 0 || this.timers.size > 0 || this.failing > 0;
  }

  /** Stops replacing; the events for the app timelines, and the sockets it holds (open until the keeper exits, for the agent to take). */
  handOver(): { events: ProcessTransition[]; sockets: { appId: string; generation: number; fd: number }[] } {
    this.active = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const sockets = [...this.sockets].map(([appId, fd]) => ({ appId, generation: this.recipes.get(appId)?.generation ?? -1, fd }));
    return { events: this.events, sockets };
  }

  /** The keeper ends without a handback (its state dir is gone): what only it knew of does not outlive it. */
  stopOwn(): void {
    this.handOver();
    for (const w of this.watched) {
      if (w.child && !w.tree?.signal("SIGKILL")) killGroup(w.pid);
    }
  }

  private record(t: Omit<ProcessTransition, "at">): void {
    this.events.push({ ...t, at: new Date().toISOString() });
    if (this.events.length > MAX_HANDBACK_EVENTS) this.events.shift();
  }

  private exited(w: Watched, status: { code: number | null; signal: string | null } | null): void {
    if (!this.active || !this.watched.includes(w)) return;
    this.watched = this.watched.filter((x) => x !== w);
    const recipe = this.recipes.get(w.appId);
    if (!recipe) return;
    const how = status ? (status.signal ? `signal ${status.signal}` : `code ${status.code}`) : "its status is not known to the keeper";
    const delay = replacementDelay({ status, livedMs: Date.now() - w.born, served: w.served }, recipe.restart, w.history);
    const base = { appId: w.appId, slot: w.slot, detail: "" };
    if (delay === null) {
      this.record({ ...base, pid: w.pid, from: "RUNNING", to: "EXITED", detail: `exited (${how}) while the agent was away; the restart policy (${recipe.restart.policy}) does not replace it` });
      return;
    }
    if (delay === 0) {
      this.replace(w, recipe, (pid) => ({ ...base, pid, from: "RUNNING", to: "RUNNING", kind: "recycle", detail: `recycle: process ${w.pid} exited (${how}) while the agent was away; the log keeper replaced it at once with ${pid}` }));
      return;
    }
    this.record({ ...base, pid: w.pid, from: "RUNNING", to: "EXITED", detail: `exited (${how}) while the agent was away; the log keeper replaces it in ${delay} ms` });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.replace(w, recipe, (pid) => ({ ...base, pid, from: "EXITED", to: "STARTING", detail: `started by the log keeper in place of ${w.pid} while the agent was away` }));
    }, delay);
    this.timers.add(timer);
  }

  private replace(w: Watched, recipe: StandbyApp, event: (pid: number) => Omit<ProcessTransition, "at">): void {
    // Never for a host whose Stoker is gone: nobody would find the process again.
    if (!this.active || !existsSync(this.stateFile)) return;
    const fd = recipe.socket.bind === "agent" ? this.sockets.get(recipe.appId) : null;
    if (fd === undefined) return;
    const cgroup = this.cgroups.get(recipe.appId) ?? new AppCgroup(this.stateDir, recipe.appId);
    this.cgroups.set(recipe.appId, cgroup);
    const started = startChild(recipe.plan, fd, cgroup);
    if ("error" in started) {
      this.failing++;
      void started.error.then((text) => {
        this.failing--;
        this.record({ appId: w.appId, slot: w.slot, pid: 0, from: "STARTING", to: "BACKOFF", detail: `the log keeper could not start a replacement: ${text}` });
        const failed: Watched = { ...w, born: Date.now(), served: false };
        this.watched.push(failed);
        this.exited(failed, { code: 127, signal: null }); // a failed start: retried with backoff
      });
      return;
    }
    const next: Watched = {
      ...w,
      served: false,
      pid: started.pid,
      startTicks: readProcStat(started.pid)?.startTicks ?? 0,
      startedAt: new Date().toISOString(),
      born: Date.now(),
      child: started.child,
      tree: started.tree,
    };
    this.watched.push(next);
    started.child.once("exit", (code, signal) => this.exited(next, { code, signal }));
    this.keep(w.appId, started.pid, started.outR, started.errR);
    this.save(w, next);
    this.record(event(started.pid));
  }

  /** The state file names the replacement instead of the process it replaced (the keeper writes it only while no agent runs). */
  private save(old: Watched, next: Watched): void {
    const apps = readState(this.stateFile);
    const app = apps.find((a) => a.desired.appId === old.appId);
    if (!app) return; // unreadable or the app is gone: never write a file that lost the others
    const { slot, pid, startTicks, startedAt, restarts, generation } = next;
    app.processes = [...app.processes.filter((p) => !(p.slot === old.slot && p.generation === old.generation)), { slot, pid, startTicks, startedAt, restarts, generation }];
    try {
      writeState(this.stateFile, apps);
    } catch (e) {
      this.log(`cannot record replacement ${pid} in the state file: ${String(e)}`);
    }
  }
}

/** A duplicate of the app's listening socket from the first of `pids` that still has it (its fd 0). */
function socketFrom(pids: number[], failed: (pid: number, e: unknown) => void): number | null {
  for (const pid of pids) {
    try {
      return takeFd(pid, 0);
    } catch (e) {
      failed(pid, e);
    }
  }
  return null;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // gone already
  }
}
