// App metrics as they cross the wire: one sample per app per interval (10 s live and for a day,
// 5 min for 30 days), the agent's batches of them, and the queries the control plane sends.
import * as z from "zod";

const Count = z.number().int().min(0);
const Ms = z.number().min(0).nullable(); // null: no request finished in the interval

/** One process of an app at sampling time (not kept on disk: the app's sums are). */
export const ProcessSampleSchema = z.object({
  slot: Count,
  pid: Count,
  cpuPercent: z.number().min(0),
  rssBytes: z.number().min(0),
  fds: Count,
  /** Workers of this process's tree: blocked in accept on the app's socket (idle) or not (busy). */
  workersBusy: Count,
  workersIdle: Count,
});
export type ProcessSample = z.infer<typeof ProcessSampleSchema>;

/** A php-fpm pool's status page at sampling time (agent/fpm/fpm-status.ts); counters since the master started. */
export const FpmSampleSchema = z.object({
  active: Count,
  idle: Count,
  total: Count,
  listenQueue: Count,
  maxListenQueue: Count,
  acceptedConn: Count,
  maxChildrenReached: Count,
  slowRequests: Count,
});
export type FpmSample = z.infer<typeof FpmSampleSchema>;

/**
 * One app over one interval ending at `t` (epoch ms, aligned to `step`). Gauges (cpu, rss, fds,
 * workers, queue) are read at `t`, or averaged over a downsampled interval; counters (requests,
 * status classes) are what happened in the interval; `restarts` is the running total.
 */
export const AppSampleSchema = z.object({
  appId: z.string().min(1).max(64),
  t: z.number().int().min(0),
  step: z.number().int().min(1000), // ms the sample covers
  cpuPercent: z.number().min(0), // whole process trees, 100 = one core
  rssBytes: z.number().min(0),
  fds: Count,
  restarts: Count,
  processes: Count,
  workersBusy: z.number().min(0),
  workersIdle: z.number().min(0),
  /** Connections waiting in the socket's accept queue (the agent owns the socket). Null: unknown. */
  listenQueue: z.number().min(0).nullable(),
  requests: Count,
  status2xx: Count,
  status3xx: Count,
  status4xx: Count,
  status5xx: Count,
  p50Ms: Ms,
  p90Ms: Ms,
  p99Ms: Ms,
  /** php-fpm apps: the pool's status page (null: not read, e.g. every worker busy). */
  fpm: FpmSampleSchema.nullable().optional(),
  /** On live samples (metrics.now, the latest pushed one), and on history asked for with its processes. */
  perProcess: z.array(ProcessSampleSchema).max(256).optional(),
  /** Requests since the agent started counting (Prometheus counters); only on live samples. */
  totals: z
    .object({ requests: Count, status2xx: Count, status3xx: Count, status4xx: Count, status5xx: Count, latencyMsSum: z.number().min(0) })
    .optional(),
});
export type AppSample = z.infer<typeof AppSampleSchema>;

/** Agent → control plane: new samples, or a resend after a reconnect (keyed by appId+t: idempotent). */
export const MetricsSamplesSchema = z.strictObject({
  type: z.literal("metrics.samples"),
  samples: z.array(AppSampleSchema).max(5000),
});
export type MetricsSamples = z.infer<typeof MetricsSamplesSchema>;

export const METRIC_RANGES = { "1h": 3_600_000, "6h": 21_600_000, "24h": 86_400_000, "7d": 604_800_000, "30d": 2_592_000_000 } as const;
export type MetricRange = keyof typeof METRIC_RANGES;
export const MetricRangeSchema = z.enum(Object.keys(METRIC_RANGES) as [MetricRange, ...MetricRange[]]);

/** Ops the control plane sends: a fresh reading of every app (scrape time), or an app's history. */
export const MetricsOpSchemas = [
  z.strictObject({ op: z.literal("metrics.now") }),
  z.strictObject({
    op: z.literal("metrics.query"),
    appId: z.string().min(1).max(64),
    from: z.number().int().min(0),
    to: z.number().int().min(0),
    /** Each sample with its processes (per-process history; the agent reads it from disk). */
    processes: z.boolean().optional(),
  }),
] as const;

export const MetricsNowReplySchema = z.array(AppSampleSchema).max(10_000);
export const MetricsQueryReplySchema = z.array(AppSampleSchema).max(20_000);
