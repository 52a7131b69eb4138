// The agent's copy of the listening socket an app-bound process (php-cgi -b, flup's bindAddress)
// created at the app's path. The app owns that socket: when it exits (php-cgi after
// PHP_FCGI_MAX_REQUESTS, or a crash) the kernel resets what is queued on it and refuses every
// connect() until a replacement binds the path (56% of requests 502 under 16 clients). Holding a
// copy (pidfd_getfd), the agent keeps the socket open past the process: connections keep queuing
// instead of being refused or reset. The replacement binds unseen (app-bound-respawn.ts), and once
// it is proven and on the path the old copy is retired: its backlog relayed to it (backlog-relay.ts).
import { lstatSync, unlinkSync } from "node:fs";
import { closeFd, takeFd } from "../native";
import { canStage } from "./app-bound-stage";
import { listenerHeldBy } from "./socket-use";

export class AppBoundListener {
  private held: { fd: number; pid: number } | null = null;

  constructor(private note: (line: string) => void) {}

  /** A replacement started staged and not yet proven and on the path (app-bound-respawn.ts). */
  staging: number | null = null;

  /** The held copy, while the agent holds one. */
  get fd(): number | null {
    return this.held?.fd ?? null;
  }

  /**
   * Takes a copy of the listener process `pid` holds at `file` (the one bound at that name: the
   * replacement's, not a retired one). Returns the copy held before (to retire), or null.
   */
  take(pid: number, file: string): number | null {
    const before = this.release();
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
  release(): number | null {
    const fd = this.held?.fd ?? null;
    this.held = null;
    return fd;
  }

  /** Closes the held copy: what is still queued on it is reset, as the app's own close would. */
  close(): void {
    const fd = this.release();
    if (fd !== null) closeFd(fd);
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
