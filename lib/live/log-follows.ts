// Which browser sockets follow which app's live log. The first follower turns the agent's live
// tail on, the last one leaving turns it off; a resuming follower first gets what it missed.
import "server-only";
import type { WebSocket } from "ws";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import type { UiEvent, WireLogLine } from "../protocol";
import { relayToReplicas, thisReplica } from "../replicas/relay";

const MAX_BUFFERED = 8 << 20;
const MAX_HELD = 5000;
// With replicas an agent's follow is a lease (agent/logs/log-service.ts, 60 s): renewed well within it.
const RENEW_MS = Number(process.env.STOKER_FOLLOW_RENEW_MS) || 20_000;

/**
 * One socket following one app. While it is sent what it missed, live lines are held and sent
 * after (minus what the catch-up had). lastSent is the last position it got: the agent's live
 * batches can carry lines the catch-up already read from disk, and those are not sent twice.
 */
type Follower = { held: { lines: WireLogLine[]; dropped: number } | null; lastSent: number };

class LogFollows {
  private byApp = new Map<string, Map<WebSocket, Follower>>();
  private hostOf = new Map<string, string>();
  private renewTimer: NodeJS.Timeout | null = null;

  async follow(ws: WebSocket, appId: string, afterSeq: number | undefined): Promise<void> {
    const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
    if (!app) return;
    const followers = this.byApp.get(appId) ?? new Map<WebSocket, Follower>();
    const first = followers.size === 0;
    const me: Follower = { held: { lines: [], dropped: 0 }, lastSent: afterSeq ?? -1 };
    followers.set(ws, me);
    this.byApp.set(appId, followers);
    this.hostOf.set(appId, app.hostId);
    this.renewWhileReplicated();
    ws.once("close", () => this.unfollow(ws, appId));
    if (first) await agentHub().call(app.hostId, { op: "logs.follow", appId, on: true, ...by() }, 10_000);
    const missed =
      afterSeq === undefined
        ? await agentHub().call(app.hostId, { op: "logs.tail", appId, limit: 1000 }, 15_000)
        : await agentHub().call(app.hostId, { op: "logs.since", appId, afterSeq, limit: 5000 }, 15_000);
    const lines = missed.ok ? (missed.value as { lines: WireLogLine[] }).lines : [];
    const held = me.held ?? { lines: [], dropped: 0 };
    me.held = null;
    me.lastSent = lines.at(-1)?.seq ?? me.lastSent;
    this.deliver(ws, appId, me, held.lines, held.dropped, lines);
  }

  unfollow(ws: WebSocket, appId: string): void {
    const followers = this.byApp.get(appId);
    if (!followers?.delete(ws) || followers.size) return;
    this.byApp.delete(appId);
    const hostId = this.hostOf.get(appId);
    this.hostOf.delete(appId);
    if (hostId) void agentHub().call(hostId, { op: "logs.follow", appId, on: false, ...by() }, 10_000);
  }

  /** An agent's live lines: to this replica's followers, and to the other replicas' (they may have some). */
  publish(appId: string, lines: WireLogLine[], dropped: number): void {
    this.publishLocal(appId, lines, dropped);
    relayToReplicas({ type: "logs.lines", appId, lines, dropped });
  }

  /** Whether a browser on this replica follows an app's log. */
  follows(appId: string): boolean {
    return this.byApp.has(appId);
  }

  publishLocal(appId: string, lines: WireLogLine[], dropped: number): void {
    const whole: { text?: string } = {}; // followers that get the batch whole (the usual case) share one serialised copy
    for (const [ws, f] of this.byApp.get(appId) ?? []) {
      if (!f.held) {
        this.deliver(ws, appId, f, lines, dropped, [], whole);
        continue;
      }
      const room = MAX_HELD - f.held.lines.length;
      f.held.lines.push(...lines.slice(0, Math.max(0, room)));
      f.held.dropped += dropped + Math.max(0, lines.length - room);
    }
  }

  /**
   * Sends `before` as is, then the lines of `lines` newer than what this follower already has.
   * `whole`: where the text of the batch sent whole is kept, for the next follower that gets it whole.
   */
  private deliver(ws: WebSocket, appId: string, f: Follower, lines: WireLogLine[], dropped: number, before: WireLogLine[] = [], whole?: { text?: string }): void {
    const fresh = lines.filter((l) => l.seq === undefined || l.seq > f.lastSent);
    const all = [...before, ...fresh];
    if (!all.length && !dropped && before.length === 0 && lines.length) return;
    f.lastSent = fresh.at(-1)?.seq ?? f.lastSent;
    const event: UiEvent = { type: "logs.lines", appId, lines: all, dropped };
    if (whole && before.length === 0 && fresh.length === lines.length && lines.length) {
      whole.text ??= JSON.stringify(event);
      send(ws, event, whole.text);
    } else send(ws, event);
  }

  /** With replicas: says again, every RENEW_MS, which apps this replica follows, so its follows outlive no crash of it. */
  private renewWhileReplicated(): void {
    if (this.renewTimer || !thisReplica()) return;
    this.renewTimer = setInterval(() => {
      if (!this.byApp.size) {
        clearInterval(this.renewTimer ?? undefined);
        this.renewTimer = null;
        return;
      }
      for (const [appId, hostId] of this.hostOf) void agentHub().call(hostId, { op: "logs.follow", appId, on: true, ...by() }, 10_000);
    }, RENEW_MS);
    this.renewTimer.unref();
  }

  /** After an agent reconnects, its live tails are off: turn on the ones someone still follows. */
  resume(hostId: string): void {
    for (const [appId, h] of this.hostOf) if (h === hostId) void agentHub().call(hostId, { op: "logs.follow", appId, on: true, ...by() }, 10_000);
  }
}

/** With replicas, the agent keeps one follow per replica: this one's off never stops another's tail. */
function by(): { by?: string } {
  const id = thisReplica();
  return id ? { by: id } : {};
}

/** `text`: the event already serialised. */
function send(ws: WebSocket, event: UiEvent, text?: string): void {
  if (ws.readyState !== ws.OPEN) return;
  // A browser that cannot keep up loses lines (marked as dropped), never the agent's or our memory.
  if (ws.bufferedAmount > MAX_BUFFERED) {
    if (event.type === "logs.lines") ws.send(JSON.stringify({ ...event, lines: [], dropped: event.lines.length + event.dropped }));
    return;
  }
  ws.send(text ?? JSON.stringify(event));
}

const KEY = Symbol.for("stoker.log-follows");
export function logFollows(): LogFollows {
  const g = globalThis as typeof globalThis & { [KEY]?: LogFollows };
  g[KEY] ??= new LogFollows();
  return g[KEY];
}
