// An app's event timeline: the kinds of things that happen to its processes (start, exit, restart,
// adoption, FATAL, recycle, stop) and how an agent's state transition reads as one of them. The one
// vocabulary every reader of process history shares (API, app page, CLI, later alerts).
import * as z from "zod";
import type { ProcessState } from "./process-state";

export const ProcessEventKindSchema = z.enum(["start", "ready", "exit", "restart", "recycle", "adopt", "fatal", "stop", "stopped", "scale", "slow", "limit"]);
export type ProcessEventKind = z.infer<typeof ProcessEventKindSchema>;

/** What people read, per kind. */
export const EVENT_LABEL: Record<ProcessEventKind, string> = {
  start: "started",
  ready: "ready",
  exit: "exited",
  restart: "restarted",
  recycle: "recycled",
  adopt: "adopted",
  fatal: "FATAL",
  stop: "stopping",
  stopped: "stopped",
  scale: "scaled",
  slow: "slow request cut",
  limit: "limit hit",
};

export const ProcessEventSchema = z.object({
  ts: z.string(),
  kind: ProcessEventKindSchema,
  pid: z.number().int(),
  detail: z.string(),
});
export type ProcessEvent = z.infer<typeof ProcessEventSchema>;

export const ProcessEventPageSchema = z.object({ events: z.array(ProcessEventSchema), nextCursor: z.string().nullable() });
export type ProcessEventPage = z.infer<typeof ProcessEventPageSchema>;

export const EventQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A transition's detail starts with this when the agent marks an exit as a planned recycle. */
export const RECYCLE_DETAIL = "recycle";
/** The detail of the transitions an agent makes when it takes back a running process. */
export const ADOPTED_DETAIL = "adopted";

/**
 * The event a state transition is, or null for the agent's inner steps (an adopted process passes
 * STARTING on its way to RUNNING). A transition may name its kind itself; else it is read from the states.
 */
export function eventKindOf(t: { from: ProcessState; to: ProcessState; detail: string; kind?: ProcessEventKind }): ProcessEventKind | null {
  if (t.kind) return t.kind;
  if (t.detail === ADOPTED_DETAIL) return t.to === "RUNNING" ? "adopt" : null;
  switch (t.to) {
    case "STARTING":
      return t.from === "STOPPED" || t.from === "FATAL" ? "start" : "restart";
    case "RUNNING":
      return "ready";
    case "EXITED":
    case "BACKOFF":
      return t.detail.startsWith(RECYCLE_DETAIL) ? "recycle" : "exit";
    case "FATAL":
      return "fatal";
    case "STOPPING":
      return "stop";
    case "STOPPED":
      return t.from === "STOPPING" ? "stopped" : "stop";
  }
}
