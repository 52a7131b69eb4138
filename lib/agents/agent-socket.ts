// One agent's WebSocket on the control plane: authenticate by host key, sync desired apps,
// take in status and transitions, settle replies. Invalid frames are refused and logged.
import "server-only";
import { agentLinkChanged } from "../alerts/alert-events";
import type { WebSocket } from "ws";
import { hashSecret } from "../auth/secrets";
import { desiredOf } from "../apps/app-record";
import { db } from "../db";
import { type AckTo, recordTransitions } from "../events/process-events";
import { hostReports } from "../hosts/host-reports";
import { liveHostView } from "../hosts/host-view";
import { parseSetting } from "../hosts/web-targets";
import { endInterruptedDeployments, forwardOutput, recordProgress } from "../deploy/record-progress";
import { finishDebugSession } from "../debug/debug-sessions";
import { ptyRelay } from "../debug/pty-relay";
import { logFollows } from "../live/log-follows";
import { metricsStore } from "../metrics/metrics-store";
import { statusFanout } from "../live/status-fanout";
import { uiHub } from "../live/ui-hub";
import { relayMetricsToReplicas, thisReplica } from "../replicas/relay";
import { type AgentToControl, AgentToControlSchema, type ErrorCode, parseFrame } from "../protocol";

// RATE_LIMITED: the agent's own caps (concurrent regex searches) reach the client as 429.
const PASSED_THROUGH: ErrorCode[] = ["BAD_REQUEST", "NOT_FOUND", "CONFLICT", "TIMEOUT", "FAILED", "RATE_LIMITED"];
const ORPHAN_EXIT_MS = 10_000;
const asErrorCode = (code: string): ErrorCode => PASSED_THROUGH.find((c) => c === code) ?? "FAILED";
import { agentHub } from "./agent-hub";
import { agentInbox } from "./agent-inbox";
import { admit, knownAppHosts } from "./agent-scope";

export async function authenticateAgent(authorization: string | undefined) {
  if (!authorization?.startsWith("Bearer ")) return null;
  return db.host.findUnique({ where: { keyHash: hashSecret(authorization.slice(7).trim()) } });
}

/** Fans a host's state out from memory: no agent message waits on the database (DESIGN 13). */
function publishHost(host: { id: string; name: string }): void {
  uiHub().publish({ type: "host.status", host: liveHostView(host) });
}

export async function onAgentConnection(ws: WebSocket, host: { id: string; name: string }): Promise<void> {
  const hub = agentHub();
  hub.attach({ ws, hostId: host.id, hostName: host.name, connectedAt: new Date() });
  agentLinkChanged(host.id, true);
  // Handled through the inbox (lib/agents/agent-inbox): in order, a few ms of frames per loop turn,
  // so HTTP requests get turns in between. The close queues behind the socket's last frames.
  const inbox = agentInbox();
  ws.on("message", (data) => {
    inbox.push(() => void handle(host, ws, String(data)).catch((e: unknown) => console.error(`[agent ${host.name}] handler failed:`, e)), ws);
  });
  ws.on("close", () => {
    inbox.push(() => {
      if (!hub.detach(host.id, ws)) return;
      agentLinkChanged(host.id, false);
      hostReports().seen(host.id); // what an offline host shows: when it was last here
      publishHost(host);
    });
  });
  hostReports().seen(host.id); // written behind, with the facts that follow
  // One read for the welcome and the sync, after attach (an app saved meanwhile is in it, or its own
  // sync reaches this socket). The host setting for its web servers rides on the welcome, so a
  // reconnecting agent has it at once.
  const row = await db.host.findUnique({ where: { id: host.id }, select: { webTargets: true, apps: true } });
  hub.send(host.id, { type: "welcome", hostId: host.id, hostName: host.name, webTargets: parseSetting(row?.webTargets ?? "{}"), acks: true });
  hub.send(host.id, { type: "sync", apps: (row?.apps ?? []).map(desiredOf) });
  knownAppHosts(host.id, (row?.apps ?? []).map((a) => a.id));
  logFollows().resume(host.id);
}

async function handle(host: { id: string; name: string }, ws: WebSocket, text: string): Promise<void> {
  const parsed = parseFrame(AgentToControlSchema, text);
  if (!parsed.ok) {
    console.warn(`[agent ${host.name}] refused an invalid message (${parsed.why})`);
    ws.send(JSON.stringify({ type: "error", message: `Invalid message refused: ${parsed.why}` }));
    return;
  }
  // Only what concerns this host gets through (lib/agents/agent-scope): a host cannot speak for another.
  const admitted = await admit(host, parsed.value);
  if (parsed.value.type === "process.transitions") {
    // Acknowledged up to the batch's highest seq, refused items too (or the agent would resend them forever).
    recordTransitions(host, admitted?.type === "process.transitions" ? admitted.transitions : [], ackOf(parsed.value)); // written behind, in batches
  } else if (admitted) await dispatch(host, admitted);
}

/** What to acknowledge once a numbered batch is stored: its agent run and highest seq. */
function ackOf(msg: Extract<AgentToControl, { type: "process.transitions" }>): AckTo | undefined {
  const seq = Math.max(0, ...msg.transitions.map((t) => t.seq ?? 0));
  return msg.boot && seq > 0 ? { boot: msg.boot, seq } : undefined;
}

async function dispatch(host: { id: string; name: string }, msg: AgentToControl): Promise<void> {
  const hub = agentHub();
  switch (msg.type) {
    case "hello":
    case "facts":
      hub.facts.set(host.id, msg.facts);
      // Kept live above and fanned out now; the stored copy is written behind, only when it changed.
      hostReports().facts(host.id, msg.facts);
      publishHost(host);
      if (msg.type === "hello") {
        publishApps(host.id, msg.apps, true);
        await endInterruptedDeployments(host, new Date(msg.facts.agentStartedAt));
      }
      return;
    case "apps.status":
      publishApps(host.id, msg.apps);
      return;
    case "process.transitions":
      return; // stored by handle, with its acknowledgement
    case "reply":
      hub.settle(
        msg.id,
        msg.ok ? { ok: true, value: msg.value } : { ok: false, code: asErrorCode(msg.code), message: msg.message, fields: msg.fields, detail: msg.detail },
      );
      return;
    case "metrics.samples":
      metricsStore().add(host.id, msg.samples);
      relayMetricsToReplicas(host.id, msg.samples);
      return;
    case "logs.lines":
      logFollows().publish(msg.appId, msg.lines, msg.dropped);
      return;
    case "pty.output":
      ptyRelay().output(msg.sessionId, msg.data);
      return;
    case "pty.exit": {
      // A session the control plane hung up (browser gone) is recorded as such, not as "closed".
      const reason = ptyRelay().closeReason(msg.sessionId) ?? msg.reason ?? "exit";
      if (ptyRelay().exit(msg.sessionId, msg.code, msg.reason) || !thisReplica()) await finishDebugSession(msg.sessionId, reason);
      else {
        // Opened through another replica: recorded there, with the reason it knows (lib/replicas/
        // replication.ts). Here only if that replica is gone and nobody did (the first one wins).
        setTimeout(() => void finishDebugSession(msg.sessionId, reason).catch(() => {}), ORPHAN_EXIT_MS).unref();
      }
      return;
    }
    case "deploy.progress":
      await recordProgress(host, msg);
      // Stored (a throw above sends nothing: the agent sends it again after its next welcome).
      if (msg.deployment.status !== "running") hub.send(host.id, { type: "deploy.ack", deploymentId: msg.deploymentId });
      return;
    case "deploy.output":
      await forwardOutput(host, msg);
      return;
    case "error":
      console.warn(`[agent ${host.name}] says: ${msg.message}`);
      return;
  }
}

/** Kept live at once (the API reads it); to browsers coalesced over a few ms (lib/live/status-fanout). */
function publishApps(hostId: string, apps: Extract<AgentToControl, { type: "apps.status" }>["apps"], fresh = false): void {
  agentHub().setApps(apps, hostId);
  statusFanout().add(hostId, apps, fresh);
}
