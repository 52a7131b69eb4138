// What an agent may report: only what concerns its own host. Every message type an agent can send
// (AgentToControlSchema) has one rule here, and agent-socket admits each message through `admit`
// before acting on it. A refused message changes nothing; a mixed batch keeps only the host's own items.
import "server-only";
import { db } from "../db";
import { ptyRelay } from "../debug/pty-relay";
import type { AgentToControl } from "../protocol";
import { agentHub } from "./agent-hub";

export type AgentHost = { id: string; name: string };
type Msg<T extends AgentToControl["type"]> = Extract<AgentToControl, { type: T }>;
type Rule<T extends AgentToControl["type"]> = (host: AgentHost, msg: Msg<T>) => Promise<Msg<T> | null>;

// Which host an app belongs to, cached: agents report several times a second and apps never change
// host (save-app refuses it), so a hit is kept long (a deleted app's last reports are dropped where
// they would be stored: lib/events/process-events.ts). A miss is cached briefly, so an app created a
// moment ago is seen soon.
const HIT_MS = 10 * 60_000;
const MISS_MS = 2_000;
const appHosts = new Map<string, { hostId: string | null; at: number }>();

export async function hostOfApp(appId: string): Promise<string | null> {
  const cached = appHosts.get(appId);
  const now = Date.now();
  if (cached && now - cached.at < (cached.hostId ? HIT_MS : MISS_MS)) return cached.hostId;
  const row = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
  if (appHosts.size > 100_000) appHosts.clear(); // bounded: ids come from agents
  appHosts.set(appId, { hostId: row?.hostId ?? null, at: now });
  return row?.hostId ?? null;
}

/** A host's apps as just read from the database (an agent's connect): its first reports need no query. */
export function knownAppHosts(hostId: string, appIds: string[]): void {
  const now = Date.now();
  if (appHosts.size + appIds.length > 100_000) appHosts.clear();
  for (const id of appIds) appHosts.set(id, { hostId, at: now });
}

const ownsApp = async (host: AgentHost, appId: string) => (await hostOfApp(appId)) === host.id;

async function ownsSession(host: AgentHost, sessionId: string): Promise<boolean> {
  const live = ptyRelay().hostOf(sessionId);
  if (live) return live === host.id;
  const row = await db.debugSession.findUnique({ where: { id: sessionId }, select: { hostId: true } });
  return row?.hostId === host.id;
}

async function ownApps<T extends { appId: string }>(host: AgentHost, items: T[]): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await ownsApp(host, item.appId)) kept.push(item);
  return kept;
}

/** Keeps a batch's own items; refuses the message if the batch had items and none were its own. */
async function narrow<M extends AgentToControl, T extends { appId: string }>(host: AgentHost, msg: M, items: T[], rebuild: (kept: T[]) => M): Promise<M | null> {
  const kept = await ownApps(host, items);
  if (kept.length < items.length) console.warn(`[agent ${host.name}] refused ${items.length - kept.length} ${msg.type} item(s) about another host's apps`);
  if (items.length > 0 && kept.length === 0) return null;
  return kept.length === items.length ? msg : rebuild(kept);
}

/** The rule for every message type. Typed over the whole union, so a new type without a rule does not compile. */
export const AGENT_MESSAGE_RULES: { [T in AgentToControl["type"]]: Rule<T> } = {
  // About the host itself (its facts, always its own) plus its apps' status: never refused whole.
  hello: async (host, msg) => ({ ...msg, apps: await ownApps(host, msg.apps) }),
  facts: async (_host, msg) => msg,
  "apps.status": (host, msg) => narrow(host, msg, msg.apps, (apps) => ({ ...msg, apps })),
  "process.transitions": (host, msg) => narrow(host, msg, msg.transitions, (transitions) => ({ ...msg, transitions })),
  "metrics.samples": (host, msg) => narrow(host, msg, msg.samples, (samples) => ({ ...msg, samples })),
  "logs.lines": async (host, msg) => ((await ownsApp(host, msg.appId)) ? msg : null),
  "pty.output": async (host, msg) => ((await ownsSession(host, msg.sessionId)) ? msg : null),
  "pty.exit": async (host, msg) => ((await ownsSession(host, msg.sessionId)) ? msg : null),
  "deploy.progress": async (host, msg) => {
    const row = await db.deployment.findUnique({ where: { id: msg.deploymentId }, select: { app: { select: { hostId: true } } } });
    return row?.app.hostId === host.id ? msg : null;
  },
  "deploy.output": async (host, msg) => {
    const row = await db.deployment.findUnique({ where: { id: msg.deploymentId }, select: { appId: true, app: { select: { hostId: true } } } });
    return row?.appId === msg.appId && row.app.hostId === host.id ? msg : null;
  },
  // A reply settles only a request that was sent to this host.
  reply: async (host, msg) => (agentHub().pendingHost(msg.id) === host.id ? msg : null),
  // Only logged, under the sending host's name.
  error: async (_host, msg) => msg,
};

/** The admitted message (possibly narrowed to the host's own items), or null when it is refused. */
export async function admit(host: AgentHost, msg: AgentToControl): Promise<AgentToControl | null> {
  const rule = AGENT_MESSAGE_RULES[msg.type] as Rule<AgentToControl["type"]>;
  const admitted = await rule(host, msg as never);
  if (!admitted) console.warn(`[agent ${host.name}] refused a ${msg.type} message: not about this host's own apps, sessions, deployments or requests (or about one that already ended)`);
  return admitted;
}
