// Which browser sockets follow which app's live log. The first follower turns the agent's live
// tail on, the last one leaving turns it off; a resuming follower first gets what it missed.
import "server-only";
import type { WebSocket } from "ws";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import type { UiEvent, WireLogLine } from "../protocol";

const MAX_BUFFERED = 8 << 20;
const MAX_HELD = 5000;

class LogFollows {
  private byApp = new Map<string, Set<WebSocket>>();
  // Live lines that arrive while a follower is still being sent what it missed: held, then sent
  // after the catch-up (minus what the catch-up already had), so it sees no gap and no duplicate.
  private catchingUp = new Map<WebSocket, { lines: WireLogLine[]; dropped: number }>();

  async follow(ws: WebSocket, appId: string, afterSeq: number | undefined): Promise<void> {
    const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
    if (!app) return;
    const set = this.byApp.get(appId) ?? new Set();
    const first = set.size === 0;
    this.catchingUp.set(ws, { lines: [], dropped: 0 });
    set.add(ws);
    this.byApp.set(appId, set);
    ws.once("close", () => this.unfollow(ws, appId));
    if (first) await agentHub().call(app.hostId, { op: "logs.follow", appId, on: true }, 10_000);
    const missed =
      afterSeq === undefined
        ? await agentHub().call(app.hostId, { op: "logs.tail", appId, limit: 1000 }, 15_000)
        : await agentHub().call(app.hostId, { op: "logs.since", appId, afterSeq, limit: 5000 }, 15_000);
    const lines = missed.ok ? (missed.value as { lines: WireLogLine[] }).lines : [];
    const held = this.catchingUp.get(ws) ?? { lines: [], dropped: 0 };
    this.catchingUp.delete(ws);
    const last = lines.at(-1)?.seq ?? afterSeq ?? -1;
    const newer = held.lines.filter((l) => l.seq === undefined || l.seq > last);
    send(ws, { type: "logs.lines", appId, lines: [...lines, ...newer], dropped: held.dropped });
  }

  unfollow(ws: WebSocket, appId: string): void {
    this.catchingUp.delete(ws);
    const set = this.byApp.get(appId);
    if (!set?.delete(ws) || set.size) return;
    this.byApp.delete(appId);
    void db.app.findUnique({ where: { id: appId }, select: { hostId: true } }).then((app) => {
      if (app) void agentHub().call(app.hostId, { op: "logs.follow", appId, on: false }, 10_000);
    });
  }

  publish(appId: string, lines: WireLogLine[], dropped: number): void {
    for (const ws of this.byApp.get(appId) ?? []) {
      const held = this.catchingUp.get(ws);
      if (!held) {
        send(ws, { type: "logs.lines", appId, lines, dropped });
        continue;
      }
      const room = MAX_HELD - held.lines.length;
      held.lines.push(...lines.slice(0, Math.max(0, room)));
      held.dropped += dropped + Math.max(0, lines.length - room);
    }
  }

  /** After an agent reconnects, its live tails are off: turn on the ones someone still follows. */
  async resume(hostId: string): Promise<void> {
    for (const appId of this.byApp.keys()) {
      const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
      if (app?.hostId === hostId) void agentHub().call(hostId, { op: "logs.follow", appId, on: true }, 10_000);
    }
  }
}

function send(ws: WebSocket, event: UiEvent): void {
  if (ws.readyState !== ws.OPEN) return;
  // A browser that cannot keep up loses lines (marked as dropped), never the agent's or our memory.
  if (ws.bufferedAmount > MAX_BUFFERED) {
    if (event.type === "logs.lines") ws.send(JSON.stringify({ ...event, lines: [], dropped: event.lines.length + event.dropped }));
    return;
  }
  ws.send(JSON.stringify(event));
}

const KEY = Symbol.for("stoker.log-follows");
export function logFollows(): LogFollows {
  const g = globalThis as typeof globalThis & { [KEY]?: LogFollows };
  g[KEY] ??= new LogFollows();
  return g[KEY];
}
