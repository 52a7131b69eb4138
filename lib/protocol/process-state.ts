// Process states (names from Supervisor) and the live views of processes, sockets and hosts.
import * as z from "zod";
import { WorkerStatusSchema } from "./jobs-spec";
import { ProcessManagerStatusSchema } from "./process-manager-spec";
import { DetectedWebServerSchema } from "./web-servers";

export const PROCESS_STATES = ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL"] as const;
export const ProcessStateSchema = z.enum(PROCESS_STATES);
export type ProcessState = z.infer<typeof ProcessStateSchema>;

export const ProcessInfoSchema = z.object({
  slot: z.number().int().min(0),
  pid: z.number().int().min(0), // 0 when no process is running in this slot
  state: ProcessStateSchema,
  startedAt: z.string().nullable(), // ISO time the current pid started
  restarts: z.number().int().min(0),
  generation: z.number().int().min(0),
  cpuPercent: z.number().min(0),
  rssBytes: z.number().int().min(0),
  exitCode: z.number().int().nullable(),
  lastOutput: z.string().max(8192).default(""), // tail of stderr/stdout, shown on BACKOFF/FATAL
});
export type ProcessInfo = z.infer<typeof ProcessInfoSchema>;

export const SocketStatusSchema = z.object({
  address: z.string(), // "unix:/path" or "tcp:127.0.0.1:9001"
  state: z.enum(["listening", "waiting", "closed", "error"]),
  owner: z.string().default(""),
  mode: z.string().default(""),
  detail: z.string().default(""),
});
export type SocketStatus = z.infer<typeof SocketStatusSchema>;

export const AppStatusSchema = z.object({
  appId: z.string(),
  revision: z.number().int(),
  desired: z.enum(["running", "stopped"]),
  processes: z.array(ProcessInfoSchema),
  /** The app's workers (commands without a socket), one entry per instance. */
  workers: z.array(WorkerStatusSchema).max(1024).optional(),
  socket: SocketStatusSchema,
  lastError: z.string().default(""),
  /** The revision whose processes run (null: none applied yet). `revision` is the desired one. */
  runningRevision: z.number().int().nullable().default(null),
  /** A desired revision that failed to apply: never applied again by surprise, only by a retry. */
  failedRevision: z.number().int().nullable().default(null),
  /** "Premature end of headers"-type lines the web server logged for this app in the last 10 minutes. */
  prematureErrors: z.number().int().min(0).default(0),
  /** The process manager: dynamic count (current/min/max) and resource limits (older agents omit it). */
  pm: ProcessManagerStatusSchema.optional(),
});
export type AppStatus = z.infer<typeof AppStatusSchema>;

export const HostFactsSchema = z.object({
  hostname: z.string().max(255),
  os: z.string().max(255),
  kernel: z.string().max(255),
  arch: z.string().max(64),
  cpus: z.number().int().min(0),
  memBytes: z.number().min(0),
  uptimeS: z.number().min(0),
  loadAvg: z.array(z.number()).max(3),
  agentVersion: z.string().max(64),
  /** The agent bundle's build id (a hash of its code) when it runs from an installed bundle (older agents and checkouts omit it). */
  agentBuild: z.string().max(64).optional(),
  /** Installed by install.sh under a prefix: the dashboard can upgrade it in place. */
  agentUpgradable: z.boolean().optional(),
  agentPid: z.number().int(),
  agentStartedAt: z.string(),
  agentRssBytes: z.number().min(0),
  isRoot: z.boolean(),
  /** Whether the agent can store app output: `full` while a disk-full outage lasts (older agents omit it). */
  storage: z
    .object({
      path: z.string().max(4096),
      full: z.boolean(),
      reason: z.string().max(200),
      since: z.string().nullable(),
      appsAffected: z.number().int().min(0),
      droppedLines: z.number().int().min(0),
      freeBytes: z.number().min(0).nullable(),
      totalBytes: z.number().min(0).nullable(),
    })
    .optional(),
  /** The web servers installed or configured on the host, with their health (older agents omit it). */
  webServers: z.array(DetectedWebServerSchema).max(3).optional(),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

/** Facts as stored or shown, where any field may be missing (older agents, a host never seen). Built once: zod schemas are costly to build. */
export const StoredHostFactsSchema = HostFactsSchema.partial();
export type StoredHostFacts = z.infer<typeof StoredHostFactsSchema>;
