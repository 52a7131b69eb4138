// What each chart plots, from an app's samples: the one place samples become chart series
// (the app page's charts and the overview's sparklines both use it).
import type { AppSample } from "@/lib/protocol/metrics-messages";

export type Series = { label: string; color: string; values: (number | null)[] };
export type ChartDef = { id: string; title: string; unit: string; series: (s: AppSample[]) => Series[] };

const perSecond = (n: number, s: AppSample) => Math.round((n / (s.step / 1000)) * 100) / 100;
const ACCENT = "#e8590c";

export const CHARTS: ChartDef[] = [
  { id: "cpu", title: "CPU", unit: "%", series: (s) => [{ label: "CPU %", color: ACCENT, values: s.map((x) => x.cpuPercent) }] },
  { id: "memory", title: "Memory (RSS)", unit: "MB", series: (s) => [{ label: "RSS MB", color: "#7048e8", values: s.map((x) => Math.round((x.rssBytes / 1048576) * 10) / 10) }] },
  { id: "requests", title: "Requests", unit: "/s", series: (s) => [{ label: "req/s", color: "#1c7ed6", values: s.map((x) => perSecond(x.requests, x)) }] },
  {
    id: "errors",
    title: "Errors",
    unit: "/s",
    series: (s) => [
      { label: "5xx/s", color: "#e03131", values: s.map((x) => perSecond(x.status5xx, x)) },
      { label: "4xx/s", color: "#f59f00", values: s.map((x) => perSecond(x.status4xx, x)) },
    ],
  },
  {
    id: "latency",
    title: "Latency",
    unit: "ms",
    series: (s) => [
      { label: "p50", color: "#2f9e44", values: s.map((x) => x.p50Ms) },
      { label: "p90", color: "#f59f00", values: s.map((x) => x.p90Ms) },
      { label: "p99", color: "#e03131", values: s.map((x) => x.p99Ms) },
    ],
  },
  {
    id: "workers",
    title: "Workers",
    unit: "",
    series: (s) => [
      { label: "busy", color: ACCENT, values: s.map((x) => x.workersBusy) },
      { label: "idle", color: "#868e96", values: s.map((x) => x.workersIdle) },
    ],
  },
  { id: "queue", title: "Listen queue", unit: "", series: (s) => [{ label: "queued", color: "#c2255c", values: s.map((x) => x.listenQueue) }] },
];

const PROCESS_COLORS = ["#e8590c", "#1c7ed6", "#2f9e44", "#7048e8", "#c2255c", "#f59f00", "#0ca678", "#868e96"];

/** One series per process slot seen in the samples (a slot missing from a sample is a gap). */
function perSlot(s: AppSample[], value: (p: NonNullable<AppSample["perProcess"]>[number]) => number): Series[] {
  const slots = [...new Set(s.flatMap((x) => (x.perProcess ?? []).map((p) => p.slot)))].sort((a, b) => a - b);
  return slots.map((slot, i) => ({
    label: `#${slot + 1}`,
    color: PROCESS_COLORS[i % PROCESS_COLORS.length] as string,
    values: s.map((x) => {
      const p = x.perProcess?.find((q) => q.slot === slot);
      return p ? value(p) : null;
    }),
  }));
}

/** Per-process history (the samples asked for with their processes). */
export const PROCESS_CHARTS: ChartDef[] = [
  { id: "process-cpu", title: "CPU per process", unit: "%", series: (s) => perSlot(s, (p) => p.cpuPercent) },
  { id: "process-memory", title: "Memory per process (RSS)", unit: "MB", series: (s) => perSlot(s, (p) => Math.round((p.rssBytes / 1048576) * 10) / 10) },
];
