// The agent's copy of the listening socket an app-bound process (php-cgi -b, flup's bindAddress)
// created at the app's path. The app owns that socket: when it exits (php-cgi after
// PHP_FCGI_MAX_REQUESTS, or a crash) the kernel resets what is queued on it and refuses every
// connect() until a replacement binds the path (56% of requests 502 under 16 clients). Holding a
// copy (pidfd_getfd), the agent keeps the socket open past the process: connections keep queuing
// instead of being refused or reset. The replacement binds unseen (app-bound-respawn.ts), and once
// it is proven it is put on the path here, the one place that decides who may be there; the old
// copy is then retired, its backlog relayed to the new process (app-bound-retire.ts).
import { lstatSync, unlinkSync } from "node:fs";
import { closeFd, takeFd } from "../native";
import { canStage, renameOntoPath, type Stage } from "./app-bound-stage";
import { listenerHeldBy } from "./socket-use";

/** A copy of the listener process `pid` created at the path (the agent's, to close or to retire). */
export type HeldCopy = { fd: number; pid: number };

export class AppBoundListener {
  private held: HeldCopy | null = null;
  /**
   * The newest generation whose process was put on the path. The one rule of who may put a socket
   * there: never a process of an older generation (a recycle of a replaced generation, still being
   * proven when a restart's new process took the path), whatever order they finish in.
   */
  private pathGeneration = 0;

  constructor(private note: (line: string) => void) {}

  /** A replacement started staged and not yet proven and on the path (app-bound-respawn.ts). */
  staging: number | null = null;

  /** The held copy, while the agent holds one. */
  get fd(): number | null {
    return this.held?.fd ?? null;
  }

  /** False once a process of a newer generation than `generation` was put on the path. */
  mayTakePath(generation: number): boolean {
    return generation >= this.pathGeneration;
  }

  /**
   * Puts the staged socket of process `pid` (of `generation`) on the path and holds its listener,
   * in one turn: no other process can put its own there in between, and the copy the agent holds is
   * always the listener on the path. Returns the copy held before (the listener just displaced, to
   * retire), or null. Throws, changing nothing, if a newer generation holds the path.
   */
  putOnPath(stage: Stage, pid: number, generation: number): HeldCopy | null {
    if (!this.mayTakePath(generation)) throw new Error("a newer generation took over the path meanwhile");
    renameOntoPath(stage);
    return this.take(pid, stage.target, generation);
  }

  /**
   * Takes a copy of the listener process `pid` holds at `file` (the one bound at that name: the
   * live process's, not a retired one), a process of `generation` (default: the path's newest) that
   * is on the path. Returns the copy held before (to retire), or null.
   */
  take(pid: number, file: string, generation = this.pathGeneration): HeldCopy | null {
    const before = this.release();
    this.pathGeneration = Math.max(this.pathGeneration, generation);
    void canStage(); // known by the time this process is replaced
    const listener = listenerHeldBy([pid], file);
    if (!listener) {
      this.note(`process ${pid} holds no listener at ${file}: its queued connections are not kept if it exits`);
      return before;
    }
    try {
      this.held = { fd: takeFd(pid, listener.fd), pid };
    } catch (e) {
      this.note(`cannot take a copy of ${file} from process ${pid} (pidfd_getfd needs root or ptrace rights): ${e instanceof Error ? e.message : String(e)}`);
    }
    return before;
  }

  /** Hands the held copy over (the caller closes it, or relays its backlog). */
  release(): HeldCopy | null {
    const held = this.held;
    this.held = null;
    return held;
  }

  /** Closes the held copy: what is still queued on it is reset, as the app's own close would. */
  close(): void {
    const held = this.release();
    if (held) closeFd(held.fd);
  }

  /**
   * Removes the held socket's file so that a replacement that is not staged can bind the path (an
   * app that does not unlink first would fail with "address in use"). The socket stays open, and
   * what queued on it is relayed once the replacement is proven. Only while the holder is gone.
   */
  unlinkPath(file: string): void {
    if (!this.held) return;
    try {
      if (lstatSync(file).isSocket()) unlinkSync(file);
    } catch {
      // gone already
    }
  }
}
