// What the agent and its log keeper (log-keeper.ts) say over `<state dir>/keeper.sock`, one JSON
// line each way. The agent holds a connection open as a lifeline and sends on it, whenever it
// changes, how each app's processes are started (STANDBY): the keeper takes a duplicate of each
// agent-bound app's listening socket from the agent then, and while the agent is away replaces a
// process that exits with that recipe, on that socket. A new agent sends HANDBACK and gets the unfinished
// last lines the keeper was holding and what it replaced meanwhile, after which the keeper reads no
// pipe; it keeps its duplicates of the pipes and of the apps' listening sockets open until the agent,
// having taken the copies it needs, closes the connection.
import path from "node:path";
import * as z from "zod";
import { ProcessTransitionSchema, RestartSpecSchema, SocketSpecSchema } from "../../lib/protocol";

export const HANDBACK = "handback\n";
/** Events a handback carries at most: the newest are kept (a 10-minute outage of a recycling app makes a few hundred). */
export const MAX_HANDBACK_EVENTS = 2000;

export const HandbackSchema = z.object({
  /** Lines the keeper stored while the agent was away (0 if it never had to). */
  storedLines: z.number().int().min(0),
  /** Each stream's unfinished last line (base64), to go in front of its next output. */
  held: z.array(z.object({ pid: z.number().int(), stream: z.enum(["out", "err"]), bytes: z.string() })),
  /** The exits and replacements while the agent was away, oldest first, for the app's timeline. */
  events: z.array(ProcessTransitionSchema).max(MAX_HANDBACK_EVENTS).default([]),
  /** The keeper's pid and its duplicates of the apps' listening sockets: the agent takes them (pidfd_getfd) before it closes the connection. */
  keeper: z.number().int().optional(),
  sockets: z.array(z.object({ appId: z.string(), generation: z.number().int(), fd: z.number().int() })).default([]),
  /**
   * The pipes the keeper still read, left open for the agent to take like the sockets: a process that
   * ends before the agent takes its own copies (its fds 3 and 4) would otherwise take the rest of its
   * output with it when the keeper lets go.
   */
  pipes: z.array(z.object({ appId: z.string(), pid: z.number().int(), stream: z.enum(["out", "err"]), fd: z.number().int() })).default([]),
});
export type Handback = z.infer<typeof HandbackSchema>;

/** Exactly what the agent execs for an app's processes (launch-plan.ts's LaunchPlan). */
const PlanSchema = z.object({
  file: z.string(),
  args: z.array(z.string()),
  cwd: z.string(),
  env: z.record(z.string(), z.string()),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  userName: z.string(),
  listenFd: z.number().int().min(0).max(64).optional(),
  openFiles: z.array(z.string()).max(8).optional(),
});

/** One app that should be running, and how its live generation's processes are started. */
export const StandbyAppSchema = z.object({
  appId: z.string(),
  generation: z.number().int(),
  socket: SocketSpecSchema,
  plan: PlanSchema,
  restart: RestartSpecSchema,
  /**
   * The agent's own fd of the app's listening socket and that socket's inode: the keeper takes its
   * duplicate from the agent as soon as it is told (standby.ts), so it holds one when the agent dies
   * even if no app process is alive at that instant. The inode tells a reused fd number apart.
   */
  agentSocket: z.object({ fd: z.number().int().min(0), inode: z.number().int() }).optional(),
  /** The slots of the live generation that should have a process (a slot between exit and respawn is in no state file). */
  slots: z.array(z.number().int().min(0)).max(4096).optional(),
});
export type StandbyApp = z.infer<typeof StandbyAppSchema>;

/** `agent`: the pid the keeper takes the sockets from. */
export const StandbyMessageSchema = z.object({ type: z.literal("standby"), agent: z.number().int().optional(), apps: z.array(StandbyAppSchema) });

export function keeperSocket(stateDir: string): string {
  return path.join(stateDir, "keeper.sock");
}
