// Preloaded into the control plane by bench/scale.ts (`node --import ./bench/scale-probe.mjs`): once a
// second, one JSON line to $SCALE_PROBE_FILE with the event loop's utilisation and delay, CPU and RSS,
// and the rows the write-behind batches wrote. Measures only; changes nothing in the process.
import { appendFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";

const file = process.env.SCALE_PROBE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let at = performance.now();
  const timer = setInterval(() => {
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
    };
    elu = nextElu;
    cpu = nextCpu;
    at = now;
    delay.reset();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000);
  timer.unref();
}
