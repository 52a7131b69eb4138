// Agents' frames, handled in arrival order a few milliseconds of work at a time. Thousands of agent
// sockets can be readable on every turn of the event loop; handled as they were read, one turn did
// all of it (at 3,000 agents a turn grew to ~150 ms after any pause: a GC, a batch write) and an HTTP
// request, which needs several turns, waited behind each (GET /apps p99 ~300 ms against p50 ~35 ms).
// Here a turn handles at most BUDGET_MS of frames, then yields (setImmediate): the requests' I/O and
// timers run in between, and the rest follows on the next turn. Nothing is dropped or reordered:
// one queue, first in first out, closes included (a socket's close after its last frames). Past
// HIGH_WATER queued frames the sockets that send more are paused (TCP pushes back on the agents,
// as it did when the loop itself was the queue) and resumed once the queue is below LOW_WATER.
import type { WebSocket } from "ws";

export const BUDGET_MS = 8;
export const HIGH_WATER = 5_000;
export const LOW_WATER = 1_000;

type Pausable = Pick<WebSocket, "pause" | "resume">;

export class AgentInbox {
  private queue: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  private paused = new Set<Pausable>();
  /** Turns that stopped at the budget with work left: for tests and the scale bench. */
  yields = 0;

  constructor(
    private readonly budgetMs = BUDGET_MS,
    private readonly highWater = HIGH_WATER,
    private readonly lowWater = LOW_WATER,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Queues `work` (a frame's handling, a socket's close). `from` is paused while the queue is over its bound. */
  push(work: () => void, from?: Pausable): void {
    this.queue.push(work);
    if (from && this.pending() > this.highWater && !this.paused.has(from)) {
      this.paused.add(from);
      from.pause();
    }
    this.schedule();
  }

  pending(): number {
    return this.queue.length - this.head;
  }

  /** Handles queued work until the budget is spent (or all of it, for tests and shutdown with `all`). */
  drain(all = false): void {
    const until = this.now() + this.budgetMs;
    while (this.head < this.queue.length) {
      const work = this.queue[this.head++] as () => void;
      try {
        work();
      } catch (e) {
        console.error("[stoker] handling an agent frame failed:", e);
      }
      if (!all && this.now() >= until) break;
    }
    // Compact now and then, not per item (shift() is O(n) on a long queue).
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.paused.size && this.pending() < this.lowWater) {
      for (const s of this.paused) s.resume();
      this.paused.clear();
    }
    if (this.pending()) {
      this.yields++;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }
}

const KEY = Symbol.for("stoker.agent-inbox");
export function agentInbox(): AgentInbox {
  const g = globalThis as typeof globalThis & { [KEY]?: AgentInbox };
  g[KEY] ??= new AgentInbox();
  return g[KEY];
}
