// Preloaded into the control plane by bench/scale.ts (`node --import ./bench/scale-probe.mjs`): once a
// second, one JSON line to $SCALE_PROBE_FILE with the event loop's utilisation and delay, CPU and RSS,
// the rows the write-behind batches wrote, how long each GET /api/v1/apps took from its arrival to its
// response's end, and the agent frames queued (lib/agents/agent-inbox.ts). Measures only; changes nothing.
import { appendFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import http from "node:http";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";

const file = process.env.SCALE_PROBE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let at = performance.now();
  // SQL statements prepared on SQLite, by their first words and table: which code queries most.
  const statements = new Map();
  try {
    const Database = createRequire(import.meta.url)("better-sqlite3");
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (sql, ...rest) {
      const key = String(sql).replace(/\s+/g, " ").slice(0, 90);
      statements.set(key, (statements.get(key) ?? 0) + 1);
      return prepare.call(this, sql, ...rest);
    };
  } catch {}
  // GET /api/v1/apps as the control plane sees it: from the request's arrival to the response's end.
  let apiServerMs = [];
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res, ...rest) {
    if (event === "request" && String(req?.url).startsWith("/api/v1/apps")) {
      const t0 = performance.now();
      res.once("finish", () => apiServerMs.push(Math.round(performance.now() - t0)));
    }
    return emit.call(this, event, req, res, ...rest);
  };
  const timer = setInterval(() => {
    if (statements.size) writeFileSync(`${file}.sql`, JSON.stringify({ t: Date.now(), statements: [...statements].sort((a, b) => b[1] - a[1]).slice(0, 40) }, null, 1));
    const now = performance.now();
    const nextElu = performance.eventLoopUtilization();
    const nextCpu = process.cpuUsage();
    const reports = globalThis[Symbol.for("stoker.host-reports")];
    const line = {
      t: Date.now(),
      elu: performance.eventLoopUtilization(nextElu, elu).utilization,
      cpu: (nextCpu.user - cpu.user + nextCpu.system - cpu.system) / 1000 / (now - at),
      rss: process.memoryUsage.rss(),
      delayP99: delay.percentile(99) / 1e6,
      delayMax: delay.max / 1e6,
      hostWrites: reports?.writes ?? 0,
      apiServerMs,
      inboxPending: globalThis[Symbol.for("stoker.agent-inbox")]?.pending() ?? 0,
      inboxYields: globalThis[Symbol.for("stoker.agent-inbox")]?.yields ?? 0,
    };
    apiServerMs = [];
    elu = nextElu;
    cpu = nextCpu;
    at = now;
    delay.reset();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000);
  timer.unref();
}
