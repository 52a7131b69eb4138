// Messages between control-plane replicas (lib/replicas/), carried by PostgreSQL NOTIFY. Each names
// its sender and its addressee ("*": every replica). A replica trusts no frame unparsed, even its peers'.
import * as z from "zod";
import { AgentOpSchema, ControlToAgentSchema } from "./agent-messages";
import { MetricsSamplesSchema } from "./metrics-messages";
import { UiEventSchema } from "./ui-messages";

const Id = z.string().min(1).max(64);

const ResultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), code: z.string().max(40), message: z.string(), fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(), detail: z.unknown().optional() }),
]);

export const ReplicaMessageSchema = z.discriminatedUnion("kind", [
  // A browser event (status, log lines, terminal output, deployment progress) for every replica's browsers.
  z.strictObject({ kind: z.literal("ui"), from: Id, to: Id, event: UiEventSchema }),
  // Who holds a host's agent socket: sent on connect and disconnect, and to a replica that says hello.
  z.strictObject({ kind: z.literal("presence"), from: Id, to: Id, hostId: Id, online: z.boolean() }),
  z.strictObject({ kind: z.literal("hello"), from: Id, to: z.literal("*") }),
  // An operation for an agent connected to another replica, and its result.
  z.strictObject({ kind: z.literal("call"), from: Id, to: Id, id: Id, hostId: Id, op: AgentOpSchema, timeoutMs: z.number().int().min(1).max(3_600_000) }),
  z.strictObject({ kind: z.literal("reply"), from: Id, to: Id, id: Id, result: ResultSchema }),
  // A one-way frame for such an agent (terminal input, resize, close).
  z.strictObject({ kind: z.literal("send"), from: Id, to: Id, hostId: Id, msg: ControlToAgentSchema }),
  // Samples an agent connected to the sender pushed: the leader's alert rules and every replica's charts read them.
  z.strictObject({ kind: z.literal("metrics"), from: Id, to: Id, hostId: Id, samples: MetricsSamplesSchema.shape.samples }),
]);
export type ReplicaMessage = z.infer<typeof ReplicaMessageSchema>;
