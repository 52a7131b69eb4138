// The alert clock: every few seconds it looks at conditions that hold over time (crash loop, agent
// offline, log volume full), sends repeats, recoveries and the alerts a silence held back once it
// ends, runs due uptime checks, and prunes old history. Everything goes through the engine's queue.
// With several replicas only the leader's clock runs (lib/replicas/leader.ts).
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import type { AlertEventKind } from "../protocol";
import { agentOfflineSince, alertSignal } from "./alert-events";
import { alertEngine } from "./alert-engine";
import { ruleParams } from "./alert-policy";
import { judgeMetrics, METRIC_EVENTS } from "./metric-conditions";
import { allCurrentAppMetrics, recentAppSamples } from "../metrics/current";
import { parseParams } from "./rules";
import { activeSilences } from "./silences";
import { watchTracebacks } from "./traceback-watch";
import { runDueUptimeChecks } from "./uptime-checks";
import { isLeader, stepDown } from "../replicas/leader";

const TICK_MS = Number(process.env.STOKER_ALERT_TICK_MS) || 5_000;
const KEEP_DAYS = 30;
const STARTED = Symbol.for("stoker.alerts.ticker");

async function rulesOn(event: AlertEventKind) {
  return (await db.alertRule.findMany({ where: { event, enabled: true } })).map((r) => ({ ...r, p: ruleParams(event, parseParams(r.params)) }));
}

/** Restarts per window, per rule: fire for the apps over the count, clear the rest. */
async function crashLoops(now: number): Promise<void> {
  for (const rule of await rulesOn("app.crash-loop")) {
    const windowSec = rule.p.windowSec ?? 300;
    const over = await db.processEvent.groupBy({
      by: ["appId"],
      where: { kind: "restart", at: { gte: new Date(now - windowSec * 1000) }, ...(rule.appId ? { appId: rule.appId } : {}) },
      _count: { _all: true },
    });
    const counts = new Map(over.map((o) => [o.appId, o._count._all]));
    const hot = new Map([...counts].filter(([, n]) => n >= (rule.p.count ?? 5)));
    for (const [appId, n] of hot) alertSignal({ op: "fire", event: "app.crash-loop", appId, ruleId: rule.id, summary: `${n} restarts in the last ${windowSec} s` });
    for (const a of await db.alert.findMany({ where: { ruleId: rule.id, state: "firing", clearedAt: null } })) {
      if (a.appId && !hot.has(a.appId)) alertSignal({ op: "clear", event: "app.crash-loop", appId: a.appId, ruleId: rule.id, summary: `${counts.get(a.appId) ?? 0} restarts in the last ${windowSec} s (alerts at ${rule.p.count ?? 5})` });
    }
  }
}

/** Hosts whose agent has been away longer than each rule's grace, and hosts whose log volume is (nearly) full. */
async function hostConditions(now: number, startedAt: number): Promise<void> {
  const offlineRules = await rulesOn("host.agent.offline");
  const diskRules = await rulesOn("host.logs.disk-full");
  if (!offlineRules.length && !diskRules.length) return;
  const hub = agentHub();
  for (const host of await db.host.findMany({ select: { id: true, name: true } })) {
    if (!hub.isOnline(host.id)) {
      const since = agentOfflineSince(host.id) ?? startedAt;
      for (const rule of offlineRules) {
        if (now - since >= (rule.p.graceSec ?? 60) * 1000) alertSignal({ op: "fire", event: "host.agent.offline", hostId: host.id, ruleId: rule.id, summary: `The agent on ${host.name} has been away since ${new Date(since).toISOString()}.` });
      }
      continue;
    }
    const storage = hub.facts.get(host.id)?.storage;
    for (const rule of diskRules) {
      const freePct = storage?.freeBytes != null && storage.totalBytes ? (storage.freeBytes / storage.totalBytes) * 100 : null;
      const full = Boolean(storage?.full) || (freePct !== null && freePct < (rule.p.threshold ?? 5));
      const why = storage?.full ? `The agent cannot store app output: ${storage.reason} (${storage.appsAffected} app(s), ${storage.droppedLines} line(s) dropped).` : `${freePct?.toFixed(1)}% free on ${storage?.path ?? "the log volume"}.`;
      alertSignal({ op: full ? "fire" : "clear", event: "host.logs.disk-full", hostId: host.id, ruleId: rule.id, summary: full || freePct === null ? why : `${freePct.toFixed(1)}% free on ${storage?.path ?? "the log volume"}` });
    }
  }
}

/** 5xx rate, p99 latency, saturated workers: each rule judges its apps' samples of its window. */
async function metricConditions(now: number): Promise<void> {
  for (const event of METRIC_EVENTS) {
    const rules = await rulesOn(event);
    if (!rules.length) continue;
    // Stale samples (an agent away) judge nothing: the agent-offline rule speaks for that host.
    const fresh = allCurrentAppMetrics(now).filter((m) => m.ageMs <= 3 * m.step);
    for (const rule of rules) {
      // Only firing alerts need a clear: a quiet app sends nothing through the queue each tick.
      const firing = new Set((await db.alert.findMany({ where: { ruleId: rule.id, state: "firing", clearedAt: null }, select: { appId: true } })).map((a) => a.appId));
      for (const m of fresh) {
        if (rule.appId && m.appId !== rule.appId) continue;
        const verdict = judgeMetrics(event, recentAppSamples(m.appId, (rule.p.windowSec ?? 60) * 1000, now), rule.p);
        if (verdict?.fire) alertSignal({ op: "fire", event, appId: m.appId, ruleId: rule.id, summary: verdict.summary });
        else if (verdict && firing.has(m.appId)) alertSignal({ op: "clear", event, appId: m.appId, ruleId: rule.id, summary: verdict.summary });
      }
    }
  }
}

/** Repeats, recoveries after their delay, and what a silence held back: every firing alert, asked again. */
async function reevaluate(): Promise<void> {
  const now = new Date();
  const silences = await activeSilences(now);
  const firing = await db.alert.findMany({ where: { state: "firing" } });
  if (!firing.length) return;
  const rules = new Map((await db.alertRule.findMany({ where: { id: { in: [...new Set(firing.map((a) => a.ruleId))] } } })).map((r) => [r.id, r]));
  for (const a of firing) {
    const rule = rules.get(a.ruleId);
    if (!rule?.enabled) continue;
    await alertEngine().evaluate(a, rule, now, silences);
  }
}

async function prune(now: number): Promise<void> {
  const before = new Date(now - KEEP_DAYS * 86400_000);
  await db.alertDelivery.deleteMany({ where: { at: { lt: before } } });
  await db.uptimeResult.deleteMany({ where: { at: { lt: before } } });
  // Alerts of apps that were deleted have nobody left to tell.
  const apps = new Set((await db.app.findMany({ select: { id: true } })).map((a) => a.id));
  const orphans = (await db.alert.findMany({ where: { appId: { not: null } }, select: { id: true, appId: true } })).filter((a) => a.appId && !apps.has(a.appId));
  if (orphans.length) await db.alert.deleteMany({ where: { id: { in: orphans.map((o) => o.id) } } });
}

type G = typeof globalThis & { [STARTED]?: NodeJS.Timeout };

/** Starts the clock once per process. */
export function startAlertTicker(): void {
  const g = globalThis as G;
  if (g[STARTED]) return;
  const engine = alertEngine();
  const startedAt = Date.now();
  let ticks = 0;
  const tick = () => {
    // With replicas, one runs the clock (lib/replicas/leader.ts): two would notify twice.
    if (!isLeader()) return;
    const now = Date.now();
    void engine.run("conditions", async () => {
      await crashLoops(now);
      await hostConditions(now, startedAt);
      await metricConditions(now);
    });
    runDueUptimeChecks(now).catch((e: unknown) => console.error("[alerts] uptime checks failed:", e));
    watchTracebacks(now).catch((e: unknown) => console.error("[alerts] traceback watch failed:", e));
    void engine.run("re-evaluate", reevaluate);
    if (ticks++ % Math.max(1, Math.round(3600_000 / TICK_MS)) === 0) void engine.run("prune", () => prune(now));
  };
  isLeader(); // the election starts with the clock, so the first tick can already run
  g[STARTED] = setInterval(tick, TICK_MS).unref();
}

/** Stops the clock and waits for what it started (tests, before their database goes away). */
export async function stopAlertTicker(): Promise<void> {
  const g = globalThis as G;
  if (g[STARTED]) clearInterval(g[STARTED]);
  g[STARTED] = undefined;
  await alertEngine().idle();
  await stepDown();
}
