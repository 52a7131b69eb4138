// The log keeper's second job while the agent is away: an app process that exits is replaced, so a
// host keeps serving through an agent outage even with apps that recycle themselves (php-cgi exits
// after PHP_FCGI_MAX_REQUESTS=500 requests by default; with 2 processes under load an app had none
// left within seconds). The agent tells its keeper how its apps' processes are started (the launch
// plan it uses itself, sent over the lifeline: keeper-protocol.ts) and, with it, which of its fds is
// each app's listening socket: the keeper takes its duplicate from the agent then (pidfd_getfd), not
// when the agent is found gone, as by then no app process may be alive to take it from (php-cgi's
// processes recycle together under even load). When the agent goes, the keeper watches the live
// generation's processes and starts a replacement exactly as the agent would (startChild: same
// argv, env, user, cwd, fd layout and cgroup), on the same socket, so the web server's connections
// queue there meanwhile instead of failing. Each replacement goes into the state file at once (the
// next agent adopts it like any process, even if this keeper dies), and into the events the
// handback carries to the app's timeline.
import type { ChildProcess } from "node:child_process";
import { existsSync, fstatSync } from "node:fs";
import path from "node:path";
import type { ProcessTransition } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";
import { closeFd, takeFd } from "../native";
import { hasAccepted, waitingInAccept } from "../supervisor/accept-state";
import { AppCgroup, type ProcessTree } from "../supervisor/app-cgroup";
import type { SavedApp } from "../supervisor/app-runner";
import { isAlive, readProcStat } from "../supervisor/proc-stats";
import { liveGeneration } from "../supervisor/recover-generation";
import { startChild } from "../supervisor/spawn-process";
import { readState, writeState } from "../supervisor/state-file";
import { MAX_HANDBACK_EVENTS, type StandbyApp } from "./keeper-protocol";
import { replacementDelay, type SlotHistory } from "./standby-policy";
import { unnamedOnSocket } from "./unnamed-processes";

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
  /** appId → the keeper's duplicate of its listening socket (taken from the agent, or at `begin` from a process). */
  private sockets = new Map<string, { fd: number; inode: number }>();
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

  /** The agent's current recipes (it sends them whenever they change); `agent`: its pid, to take the sockets from. */
  setRecipes(apps: StandbyApp[], agent?: number): void {
    if (this.active) return; // only a live agent sends them; after it left they are what it last said
    this.recipes = new Map(apps.map((a) => [a.appId, a]));
    for (const [appId, held] of this.sockets) {
      const want = this.recipes.get(appId)?.agentSocket;
      if (want?.inode === held.inode) continue;
      closeFd(held.fd); // the app is gone, stopped, or on another socket now: holding it would keep it alive
      this.sockets.delete(appId);
    }
    for (const recipe of apps) {
      const want = recipe.agentSocket;
      if (!want || !agent || this.sockets.has(recipe.appId)) continue;
      const fd = tryTake(agent, want.fd);
      if (fd === null) continue; // the agent closed it meanwhile: the next recipes say what replaced it
      // The same fd number may name another file by now: only the socket the agent meant is kept.
      if (inodeOf(fd) === want.inode) this.sockets.set(recipe.appId, { fd, inode: want.inode });
      else closeFd(fd);
    }
  }

  /**
   * The agent is gone: a process of an app's live generation that holds its socket but that the
   * state file does not name (forked in the instant before the agent died) takes the place of a
   * dead process of that generation, or of a slot with none, here and in the state file: its pipes
   * are then read, its exit replaced, and the next agent adopts it instead of never knowing it.
   */
  nameUnnamed(saved: SavedApp[]): SavedApp[] {
    let changed = false;
    for (const app of saved) {
      const recipe = this.recipes.get(app.desired.appId);
      const held = this.sockets.get(app.desired.appId);
      if (!recipe || !held || recipe.socket.bind !== "agent") continue;
      const unnamed = unnamedOnSocket(held.inode, new Set(app.processes.map((p) => p.pid)));
      for (const pid of unnamed) {
        const startTicks = readProcStat(pid)?.startTicks ?? 0;
        const own = app.processes.filter((p) => p.generation === recipe.generation);
        const dead = own.find((p) => !p.foreign && !isAlive(p.pid, p.startTicks));
        const emptySlot = (recipe.slots ?? []).find((slot) => !own.some((p) => p.slot === slot));
        const slot = dead?.slot ?? emptySlot;
        if (slot === undefined) {
          this.log(`${recipe.appId}: process ${pid} holds its socket but is named nowhere, and no slot is free for it`);
          continue;
        }
        app.processes = [...app.processes.filter((p) => p !== dead), { slot, pid, startTicks, startedAt: isoNow(), restarts: dead?.restarts ?? 0, generation: recipe.generation }];
        // In the timeline: the exit the agent may not have reported, and the process it never named.
        if (dead) this.record({ appId: recipe.appId, slot, pid: dead.pid, from: "RUNNING", to: "EXITED", detail: `process ${dead.pid} exited as the agent died (found gone by the log keeper)` });
        this.record({ appId: recipe.appId, slot, pid, from: "EXITED", to: "STARTING", detail: `process ${pid} holds the app's socket: the agent started it in the instant before it died and named it nowhere; the log keeper keeps it as slot ${slot}'s process` });
        changed = true;
      }
    }
    if (changed) {
      try {
        writeState(this.stateFile, saved);
      } catch (e) {
        this.log(`cannot name the unnamed processes in the state file: ${String(e)}`);
      }
    }
    return saved;
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
      if (live !== recipe.generation) {
        this.log(`${recipe.appId}: generation ${live} is on its socket, not ${recipe.generation} the agent last named (a restart it did not finish): its processes are not replaced`);
        continue;
      }
      if (recipe.socket.bind === "agent" && !this.sockets.has(recipe.appId)) {
        // Not taken from the agent (an agent that did not name it): any live process's fd 0 will do.
        const fd = socketFrom(alive.filter((p) => p.generation === live).map((p) => p.pid), (pid, e) => this.log(`${recipe.appId}: cannot take its socket from ${pid} (${String(e)})`));
        if (fd === null) {
          this.log(`${recipe.appId}: the keeper holds no copy of its socket and no live process has one to take: its processes are not replaced`);
          continue;
        }
        this.sockets.set(recipe.appId, { fd, inode: inodeOf(fd) ?? -1 });
      }
      const procs = app.processes.filter((q) => q.generation === live && q.pid);
      for (const p of procs) {
        const born = Date.parse(p.startedAt);
        this.watched.push({ ...p, appId: recipe.appId, born: Number.isNaN(born) ? 0 : born, child: null, tree: null, history: { unprovenRecycles: 0, failures: 0 } });
      }
      // A slot between its process's exit and the agent's respawn is in no state file: started at once.
      for (const slot of recipe.slots ?? []) {
        if (procs.some((p) => p.slot === slot)) continue;
        const empty: Watched = { appId: recipe.appId, slot, generation: live, restarts: 0, pid: 0, startTicks: 0, startedAt: "", born: 0, child: null, tree: null, history: { unprovenRecycles: 0, failures: 0 } };
        this.replace(empty, recipe, (pid) => ({ appId: recipe.appId, slot, pid, from: "EXITED", to: "STARTING", detail: `started by the log keeper: slot ${slot} had no process when the agent left` }));
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
    const sockets = [...this.sockets].map(([appId, held]) => ({ appId, generation: this.recipes.get(appId)?.generation ?? -1, fd: held.fd }));
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
    this.events.push({ ...t, at: isoNow() });
    this.log(`${t.appId} slot ${t.slot}: ${t.detail}`); // keeper.log: what it did while no agent could say
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
    const fd = recipe.socket.bind === "agent" ? this.sockets.get(recipe.appId)?.fd : null;
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
      startedAt: isoNow(),
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

function tryTake(pid: number, fd: number): number | null {
  try {
    return takeFd(pid, fd);
  } catch {
    return null;
  }
}

function inodeOf(fd: number): number | null {
  try {
    return fstatSync(fd).ino;
  } catch {
    return null;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // gone already
  }
}
