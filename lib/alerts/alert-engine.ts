// Carries out alert signals: finds the rules on the event, keeps one alert per rule and subject
// (grouping), asks alert-policy what to do (send, repeat, recover, or only record inside a silence)
// and hands messages to the channels, recording every delivery. One queue: signals and ticks run
// one at a time, so two of them never race on an alert.
import "server-only";
import { db } from "../db";
import { type AlertEventKind, HOST_EVENTS } from "../protocol";
import { type AlertSignal, connectAlertSink } from "./alert-events";
import { type Action, nextAction, ONE_SHOT, ruleParams } from "./alert-policy";
import { buildMessage, type MessageKind, messageSummary } from "./deliver/alert-message";
import { sendToChannel } from "./deliver/send-to-channel";
import { parseParams } from "./rules";
import { activeSilences, silencedBy } from "./silences";

type AlertRow = NonNullable<Awaited<ReturnType<typeof db.alert.findUnique>>>;
type RuleRow = NonNullable<Awaited<ReturnType<typeof db.alertRule.findUnique>>>;
const QUEUE_MAX = 10_000;

class AlertEngine {
  private chain: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private deliveries = new Map<string, Promise<unknown>>();

  /** Runs `job` after everything queued before it; errors are logged, never thrown to the caller. */
  run(what: string, job: () => Promise<unknown>): Promise<void> {
    if (this.queued >= QUEUE_MAX) {
      console.error(`[alerts] queue full, dropped: ${what}`);
      return Promise.resolve();
    }
    this.queued++;
    const p = this.chain.then(job).catch((e: unknown) => console.error(`[alerts] ${what} failed:`, e)).finally(() => this.queued--);
    this.chain = p;
    return p.then(() => undefined);
  }

  signal(s: AlertSignal): void {
    void this.run(`${s.op} ${s.event}`, () => this.handle(s));
  }

  /** Resolves when every delivery started so far has ended (tests and shutdown). */
  async idle(): Promise<void> {
    await this.chain;
    await Promise.all([...this.deliveries.values()]);
  }

  private async handle(s: AlertSignal): Promise<void> {
    // A clear with nothing firing for its subject (every agent that connects, every app's first
    // process seen running) changes nothing: one indexed read instead of the subject, rules and silences.
    if (s.op === "clear" && !(await firingFor(s))) return;
    const subject = await subjectOf(s);
    if (!subject) return;
    const rules = await db.alertRule.findMany({
      where: { event: s.event, enabled: true, ...(s.ruleId ? { id: s.ruleId } : {}), ...(subject.appId ? { OR: [{ appId: null }, { appId: subject.appId }] } : {}) },
    });
    const key = `${subject.appId ? `app:${subject.appId}` : `host:${subject.hostId}`}${s.key ? `:${s.key}` : ""}`;
    const now = new Date();
    const silences = await activeSilences(now);
    for (const rule of rules) {
      let alert = await db.alert.findUnique({ where: { ruleId_key: { ruleId: rule.id, key } } });
      if (s.op === "clear") {
        if (alert?.state !== "firing" || alert.clearedAt) continue;
        // The clear's summary is the value now ("0.4% of 812 requests answered 5xx"): the recovery says it.
        alert = await db.alert.update({ where: { id: alert.id }, data: { clearedAt: now, clearSummary: s.summary ?? "" } });
      } else {
        const fresh = !alert || alert.state === "resolved";
        const refired = alert?.state === "firing" && alert.clearedAt !== null;
        const data = { appId: subject.appId, hostId: subject.hostId, subject: subject.name, summary: s.summary ?? "", detail: s.detail ?? "", lastAt: now, clearedAt: null, clearSummary: "" };
        alert = !alert
          ? await db.alert.create({ data: { ...data, ruleId: rule.id, key, state: "firing", firstAt: now, count: 1 } })
          : await db.alert.update({
              where: { id: alert.id },
              // A level that still holds (the ticker asks again) is not a new occurrence; a fire after a clear is (flapping).
              data: fresh ? { ...data, state: "firing", firstAt: now, count: 1, notifiedAt: null, resolvedAt: null } : { ...data, ...(refired ? { count: { increment: 1 } } : {}) },
            });
        const silence = silencedBy(silences, { ruleId: rule.id, appId: subject.appId, hostId: subject.hostId });
        if (fresh && silence) await this.record(alert, rule, "firing", "suppressed", `silenced by "${silence}"`);
      }
      await this.evaluate(alert, rule, now, silences);
    }
  }

  /** Applies the policy's answer to one alert: send, repeat, recover, or nothing. */
  async evaluate(alert: AlertRow, rule: RuleRow, now: Date, silences: Awaited<ReturnType<typeof activeSilences>>): Promise<void> {
    const event = rule.event as AlertEventKind;
    const timing = ruleParams(event, parseParams(rule.params));
    const silenced = silencedBy(silences, { ruleId: rule.id, appId: alert.appId, hostId: alert.hostId }) !== null;
    const action: Action = nextAction({ state: alert.state as "firing" | "resolved", notifiedAt: alert.notifiedAt, clearedAt: alert.clearedAt }, now, timing, silenced);
    if (action === "none") return;
    if (action === "send-firing" || action === "send-repeat") {
      const oneShot = ONE_SHOT.includes(event);
      const updated = await db.alert.update({ where: { id: alert.id }, data: { notifiedAt: now, ...(oneShot ? { state: "resolved", resolvedAt: now } : {}) } });
      this.deliver(updated, rule, action === "send-firing" ? "firing" : "repeat");
      return;
    }
    const updated = await db.alert.update({ where: { id: alert.id }, data: { state: "resolved", resolvedAt: now } });
    if (action === "resolve-notify") this.deliver(updated, rule, "resolved");
  }

  /** Sends to each of the rule's channels, after any earlier delivery of the same alert (order kept). */
  private deliver(alert: AlertRow, rule: RuleRow, kind: MessageKind): void {
    const prev = this.deliveries.get(alert.id) ?? Promise.resolve();
    const next = prev.then(() => this.sendAll(alert, rule, kind)).catch((e: unknown) => console.error("[alerts] delivery failed:", e));
    this.deliveries.set(alert.id, next);
    void next.finally(() => {
      if (this.deliveries.get(alert.id) === next) this.deliveries.delete(alert.id);
    });
  }

  private async sendAll(alert: AlertRow, rule: RuleRow, kind: MessageKind): Promise<void> {
    const ids = JSON.parse(rule.channelIds) as string[];
    const channels = await db.notificationChannel.findMany({ where: { id: { in: ids } } });
    const app = alert.appId ? await db.app.findUnique({ where: { id: alert.appId }, select: { id: true, name: true, host: { select: { id: true, name: true } } } }) : null;
    const host = app?.host ?? (alert.hostId ? await db.host.findUnique({ where: { id: alert.hostId }, select: { id: true, name: true } }) : null);
    const message = buildMessage({
      status: kind,
      event: rule.event as AlertEventKind,
      rule: { id: rule.id, name: rule.name },
      app: app ? { id: app.id, name: app.name } : null,
      host,
      subject: alert.subject,
      summary: alert.summary,
      detail: alert.detail,
      count: alert.count,
      firstAt: alert.firstAt.toISOString(),
      clearedAt: kind === "resolved" ? (alert.clearedAt ?? alert.resolvedAt ?? new Date()).toISOString() : null,
      current: kind === "resolved" ? alert.clearSummary : "",
      alertId: alert.id,
    });
    await Promise.all(
      channels.map(async (c) => {
        const out = await sendToChannel(c, message);
        await this.record(alert, rule, kind, out.ok ? "sent" : "failed", out.ok ? "" : out.error, c, out.attempts, messageSummary(message));
        if (!out.ok) console.warn(`[alerts] ${kind} of "${rule.name}" for ${alert.subject} to channel "${c.name}" failed: ${out.error}`);
      }),
    );
  }

  async record(alert: AlertRow, rule: RuleRow, kind: MessageKind, status: string, reason: string, channel?: { id: string; name: string }, attempts = 0, text = alert.summary): Promise<void> {
    await db.alertDelivery.create({
      data: { alertId: alert.id, ruleId: rule.id, ruleName: rule.name, channelId: channel?.id ?? null, channelName: channel?.name ?? "", kind, status, reason, subject: alert.subject, text: text.slice(0, 2000), attempts },
    });
  }
}

/** Whether some alert of the signal's subject fires and is not cleared yet (keys as handle builds them). */
async function firingFor(s: AlertSignal): Promise<boolean> {
  const id = HOST_EVENTS.includes(s.event) ? s.hostId : s.appId;
  if (!id) return false;
  const key = `${HOST_EVENTS.includes(s.event) ? "host" : "app"}:${id}${s.key ? `:${s.key}` : ""}`;
  return (await db.alert.count({ where: { key, state: "firing", clearedAt: null } })) > 0;
}

async function subjectOf(s: AlertSignal): Promise<{ appId: string | null; hostId: string; name: string } | null> {
  if (HOST_EVENTS.includes(s.event)) {
    const host = s.hostId ? await db.host.findUnique({ where: { id: s.hostId }, select: { id: true, name: true } }) : null;
    return host ? { appId: null, hostId: host.id, name: host.name } : null;
  }
  const app = s.appId ? await db.app.findUnique({ where: { id: s.appId }, select: { id: true, name: true, hostId: true } }) : null;
  return app ? { appId: app.id, hostId: app.hostId, name: app.name } : null;
}

const KEY = Symbol.for("stoker.alerts.engine");

/** The process's engine; created (and connected to alertSignal) on first use. */
export function alertEngine(): AlertEngine {
  const g = globalThis as typeof globalThis & { [KEY]?: AlertEngine };
  if (!g[KEY]) {
    const engine = new AlertEngine();
    g[KEY] = engine;
    connectAlertSink((s) => engine.signal(s));
  }
  return g[KEY];
}
