// Traceback alerts: asks the agents for the traceback groups of the apps that rules watch (every
// 30 s, STOKER_ALERT_TRACEBACK_POLL_MS) and raises app.traceback.new for a group first seen after the
// rule was made (once per group), and app.traceback.spike when an app's tracebacks grow by the rule's
// count within its window (cleared when they stop).
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { listTracebacks } from "../apps/app-logs";
import { db } from "../db";
import { alertSignal } from "./alert-events";
import { ruleParams } from "./alert-policy";
import { parseParams } from "./rules";

const POLL_MS = Number(process.env.STOKER_ALERT_TRACEBACK_POLL_MS) || 30_000;
const STATE = Symbol.for("stoker.alerts.tracebacks");
type Seen = { lastPoll: number; running: boolean; totals: Map<string, { t: number; total: number }[]> };

function state(): Seen {
  const g = globalThis as typeof globalThis & { [STATE]?: Seen };
  g[STATE] ??= { lastPoll: 0, running: false, totals: new Map() };
  return g[STATE];
}

export async function watchTracebacks(now: number): Promise<void> {
  const s = state();
  if (s.running || now - s.lastPoll < POLL_MS) return;
  const rules = await db.alertRule.findMany({ where: { enabled: true, event: { in: ["app.traceback.new", "app.traceback.spike"] } } });
  if (!rules.length) return;
  s.running = true;
  s.lastPoll = now;
  try {
    const everyApp = rules.some((r) => !r.appId);
    const apps = await db.app.findMany({ where: everyApp ? {} : { id: { in: rules.map((r) => r.appId as string) } }, select: { id: true, hostId: true } });
    for (const app of apps) {
      if (!agentHub().isOnline(app.hostId)) continue;
      const groups = await listTracebacks(app.id);
      if (!groups.ok) continue;
      const total = groups.value.reduce((n, g) => n + g.count, 0);
      const history = (s.totals.get(app.id) ?? []).concat({ t: now, total });
      s.totals.set(app.id, history.filter((h) => now - h.t <= 86400_000));
      for (const rule of rules.filter((r) => !r.appId || r.appId === app.id)) {
        const p = ruleParams(rule.event as "app.traceback.spike", parseParams(rule.params));
        if (rule.event === "app.traceback.new") {
          for (const g of groups.value) {
            if (Date.parse(g.firstSeen) < rule.createdAt.getTime()) continue;
            const key = `tb:${g.fingerprint}`;
            // Once per group: a one-shot alert stays on record after it was sent.
            if (await db.alert.findUnique({ where: { ruleId_key: { ruleId: rule.id, key: `app:${app.id}:${key}` } }, select: { id: true } })) continue;
            alertSignal({ op: "fire", event: "app.traceback.new", appId: app.id, ruleId: rule.id, key, summary: `New ${g.language} traceback: ${g.type}: ${g.message}`.slice(0, 500), detail: g.sample });
          }
        } else {
          const windowMs = (p.windowSec ?? 300) * 1000;
          const base = history.find((h) => now - h.t <= windowMs) ?? history[0];
          const grew = total - (base?.total ?? total);
          if (grew >= (p.count ?? 50)) alertSignal({ op: "fire", event: "app.traceback.spike", appId: app.id, ruleId: rule.id, summary: `${grew} tracebacks in the last ${p.windowSec ?? 300} s` });
          else alertSignal({ op: "clear", event: "app.traceback.spike", appId: app.id, ruleId: rule.id });
        }
      }
    }
  } finally {
    s.running = false;
  }
}
