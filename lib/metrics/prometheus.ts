// The Prometheus text exposition of every app (GET /api/v1/metrics), built with prom-client at
// scrape time: each connected agent is asked for a fresh reading (metrics.now), so gauges are what
// they are now, not the last 10 s sample. An agent that does not answer in time is left out of the
// live gauges (its apps' stoker_app_up is 0) rather than reported with stale values.
import "server-only";
import { Gauge, Registry } from "prom-client";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import { type AppSample, MetricsNowReplySchema } from "../protocol";
import { metricsStore } from "./metrics-store";

const SCRAPE_TIMEOUT_MS = 3000;

async function readNow(hostId: string): Promise<Map<string, AppSample>> {
  const reply = await agentHub().call(hostId, { op: "metrics.now" }, SCRAPE_TIMEOUT_MS);
  const parsed = reply.ok ? MetricsNowReplySchema.safeParse(reply.value) : null;
  return new Map((parsed?.success ? parsed.data : []).map((s) => [s.appId, s]));
}

export async function prometheusText(): Promise<{ contentType: string; body: string }> {
  const apps = await db.app.findMany({ select: { id: true, name: true, hostId: true, host: { select: { name: true } } } });
  const hostIds = [...new Set(apps.map((a) => a.hostId))].filter((h) => agentHub().isOnline(h));
  const readings = new Map<string, AppSample>();
  for (const m of await Promise.all(hostIds.map(readNow))) for (const [k, v] of m) readings.set(k, v);

  const registry = new Registry();
  const labels = ["app", "host"] as const;
  const g = (name: string, help: string, extra: string[] = []) => new Gauge({ name, help, labelNames: [...labels, ...extra], registers: [registry] });
  const up = g("stoker_app_up", "1 if the app's agent answered this scrape with a reading, else 0.");
  const processes = g("stoker_app_processes", "Processes of the app (one per slot) running now.");
  const cpu = g("stoker_app_cpu_percent", "CPU of the app's process trees since the last 10 s sample (100 = one core).");
  const rss = g("stoker_app_memory_rss_bytes", "Resident memory of the app's process trees.");
  const fds = g("stoker_app_open_fds", "Open file descriptors of the app's process trees.");
  const restarts = g("stoker_app_restarts", "Restarts of the app's current process slots.");
  const busy = g("stoker_app_workers_busy", "Workers holding the app's socket that are not waiting in accept (serving a request).");
  const idle = g("stoker_app_workers_idle", "Workers blocked in accept on the app's socket.");
  const queue = g("stoker_app_listen_queue", "Connections waiting in the app's socket backlog for a worker.");
  const requests = g("stoker_app_requests_total", "Requests the web server logged for the app since the agent started counting.");
  const responses = g("stoker_app_responses_total", "Responses by status class since the agent started counting.", ["class"]);
  const latencySum = g("stoker_app_request_seconds_total", "Sum of request times since the agent started counting.");
  const latency = g("stoker_app_request_duration_seconds", "Request time percentiles over the last complete 10 s interval.", ["quantile"]);
  const fpmGauges = {
    active: g("stoker_app_fpm_active_processes", "php-fpm apps: children serving a request, from the pool's status page."),
    idle: g("stoker_app_fpm_idle_processes", "php-fpm apps: idle children, from the pool's status page."),
    listenQueue: g("stoker_app_fpm_listen_queue", "php-fpm apps: the listen queue the pool's status page reports."),
    slowRequests: g("stoker_app_fpm_slow_requests_total", "php-fpm apps: requests past request_slowlog_timeout since the master started."),
    maxChildrenReached: g("stoker_app_fpm_max_children_reached_total", "php-fpm apps: times pm.max_children stopped php-fpm from starting a child."),
    acceptedConn: g("stoker_app_fpm_accepted_connections_total", "php-fpm apps: connections the pool accepted since the master started."),
  };
  const pCpu = g("stoker_process_cpu_percent", "CPU of one process tree (a slot) since the last sample.", ["slot"]);
  const pRss = g("stoker_process_memory_rss_bytes", "Resident memory of one process tree (a slot).", ["slot"]);
  const pFds = g("stoker_process_open_fds", "Open file descriptors of one process tree (a slot).", ["slot"]);

  for (const app of apps) {
    const l = { app: app.name, host: app.host.name };
    const s = readings.get(app.id);
    up.set(l, s ? 1 : 0);
    if (!s) continue;
    processes.set(l, s.processes);
    cpu.set(l, s.cpuPercent);
    rss.set(l, s.rssBytes);
    fds.set(l, s.fds);
    restarts.set(l, s.restarts);
    busy.set(l, s.workersBusy);
    idle.set(l, s.workersIdle);
    if (s.listenQueue !== null) queue.set(l, s.listenQueue);
    if (s.fpm) for (const [k, gauge] of Object.entries(fpmGauges)) gauge.set(l, s.fpm[k as keyof typeof fpmGauges]);
    if (s.totals) {
      requests.set(l, s.totals.requests);
      for (const cls of ["2xx", "3xx", "4xx", "5xx"] as const) responses.set({ ...l, class: cls }, s.totals[`status${cls}`]);
      latencySum.set(l, s.totals.latencyMsSum / 1000);
    }
    // Percentiles need a whole interval: the last settled sample (at most 10 s old).
    const settled = metricsStore().latest(app.id) ?? s;
    for (const [q, v] of [["0.5", settled.p50Ms], ["0.9", settled.p90Ms], ["0.99", settled.p99Ms]] as const) {
      if (v !== null) latency.set({ ...l, quantile: q }, v / 1000);
    }
    for (const p of s.perProcess ?? []) {
      const pl = { ...l, slot: String(p.slot) };
      pCpu.set(pl, p.cpuPercent);
      pRss.set(pl, p.rssBytes);
      pFds.set(pl, p.fds);
    }
  }
  // Counters as gauges: their values come from the agent (which resets them when it restarts), and
  // prom-client's Counter only counts up from zero in this process. The TYPE line says counter.
  const body = (await registry.metrics()).replace(/^# TYPE (stoker_app_(?:requests|responses)_total|stoker_app_request_seconds_total|stoker_app_fpm_\w+_total) gauge$/gm, "# TYPE $1 counter");
  return { contentType: registry.contentType, body };
}
