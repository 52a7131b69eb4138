// The process-manager parts of an app spec (issue #20): how many processes (a fixed count, or a
// dynamic range like PHP-FPM's pm = dynamic / ondemand), when a process is replaced (recycling),
// how long one request may take, and the resource limits on the app's cgroup.
import * as z from "zod";

export const DynamicProcessesSchema = z
  .strictObject({
    /** 0 is on demand: no process at rest; the agent starts one when a connection arrives. */
    min: z.number().int().min(0, "min is 0 (on demand) or more.").max(256),
    max: z.number().int().min(1, "max is at least 1.").max(256, "Run at most 256 processes."),
    /** A process idle this long (beyond min) is stopped. */
    idleS: z.number().int().min(1).max(86_400).default(60),
  })
  .refine((p) => p.min <= p.max, { message: "processes.min may not be above processes.max.", path: ["min"] });
export type DynamicProcesses = z.infer<typeof DynamicProcessesSchema>;

export const ProcessesSchema = z.union([
  z.number().int().min(1, "Run at least 1 process.").max(256, "Run at most 256 processes."),
  DynamicProcessesSchema,
]);
export type Processes = z.infer<typeof ProcessesSchema>;

/** A spec's process count as a range: a fixed count is min = max, never idle-stopped. */
export type ProcessRange = { min: number; max: number; idleS: number; dynamic: boolean };

export function processRange(processes: Processes): ProcessRange {
  if (typeof processes === "number") return { min: processes, max: processes, idleS: 0, dynamic: false };
  return { ...processes, dynamic: true };
}

export const RecycleSpecSchema = z.strictObject({
  /** Replace a process after this many requests (counted by the agent; for apps that cannot count themselves). */
  maxRequests: z.number().int().min(1).max(10_000_000).optional(),
  /** Replace a process whose memory (its whole tree's RSS) passes this, like superlance's memmon. */
  maxRssMb: z.number().int().min(1).max(1_048_576).optional(),
  /** Replace a process older than this. */
  maxAgeS: z.number().int().min(10).max(31_536_000).optional(),
});
export type RecycleSpec = z.infer<typeof RecycleSpecSchema>;

export const LimitsSpecSchema = z.strictObject({
  /** Memory of the app's whole cgroup; past it the kernel's OOM killer ends a process. */
  memoryMb: z.number().int().min(4).max(1_048_576).optional(),
  /** CPU time of the app's cgroup, in percent of one core (200 = two cores). */
  cpuPercent: z.number().int().min(1).max(25_600).optional(),
  /** Processes and threads in the app's cgroup. */
  pids: z.number().int().min(1).max(4_194_304).optional(),
});
export type LimitsSpec = z.infer<typeof LimitsSpecSchema>;

/** The spec fields this module owns, spread into AppSpecFields. */
export const processManagerFields = {
  processes: ProcessesSchema.default(1),
  recycle: RecycleSpecSchema.optional(),
  /** A request running longer than this is cut: its process is replaced and reported (PHP-FPM's request_terminate_timeout + slowlog). */
  requestTimeoutS: z.number().int().min(1).max(86_400).optional(),
  limits: LimitsSpecSchema.optional(),
};

/** What the agent reports of an app's process manager: the dynamic count and the limits as applied. */
export const ProcessManagerStatusSchema = z.object({
  current: z.number().int().min(0),
  min: z.number().int().min(0),
  max: z.number().int().min(0),
  dynamic: z.boolean(),
  /** Why the count cannot grow now ("" when nothing holds it back), e.g. the host's free memory. */
  held: z.string().max(500).default(""),
  limits: z
    .object({
      memoryMb: z.number().nullable(),
      cpuPercent: z.number().nullable(),
      pids: z.number().nullable(),
      /** Where the host does not let the agent set a limit (no writable cgroup controller): what and why. */
      unavailable: z.array(z.string().max(300)).max(10),
    })
    .nullable(),
});
export type ProcessManagerStatus = z.infer<typeof ProcessManagerStatusSchema>;

/** What the process manager cannot do for a spec (checked with the rest of the spec's cross-field rules). */
export function processManagerProblems(spec: { fpm?: unknown; processes?: unknown; socket?: { bind?: string }; recycle?: unknown; requestTimeoutS?: unknown }): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if (spec.fpm !== undefined) {
    // php-fpm's master forks and recycles its own children: the agent sees one process, the master.
    if (spec.recycle !== undefined) out.push({ path: ["recycle"], message: 'php-fpm recycles its own children: use fpm["pm.max_requests"] instead of "recycle".' });
    if (spec.requestTimeoutS !== undefined) out.push({ path: ["requestTimeoutS"], message: 'php-fpm cuts its own slow requests: use fpm["request_terminate_timeout"] (and its slowlog) instead of "requestTimeoutS".' });
  }
  if (spec.socket?.bind === "app") {
    // Replacing a process without a failed request needs the socket to outlive it: the agent's.
    const needs = "needs the agent's socket (socket.bind agent): an app that binds its own runs one process that cannot be swapped without a gap.";
    if (typeof spec.processes === "object" && spec.processes !== null) out.push({ path: ["processes"], message: `A dynamic count ${needs}` });
    if (spec.recycle !== undefined) out.push({ path: ["recycle"], message: `Recycling ${needs}` });
    if (spec.requestTimeoutS !== undefined) out.push({ path: ["requestTimeoutS"], message: `requestTimeoutS ${needs}` });
  }
  return out;
}
