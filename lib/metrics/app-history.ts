// An app's metrics over a time range, for its charts: read from its agent (which keeps 10 s samples
// for a day and 5-minute ones for 30 days); while the agent is offline, the control plane's last hour.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import { type AppSample, METRIC_RANGES, type MetricRange, MetricsQueryReplySchema } from "../protocol";
import { err, ok, type Result } from "../result";
import { metricsStore } from "./metrics-store";

export type AppHistory = { range: MetricRange; from: number; to: number; source: "agent" | "control-plane"; samples: AppSample[] };

/** `processes`: each sample with its processes' own figures (from the agent only; the control plane keeps none). */
export async function appHistory(appId: string, range: MetricRange, now = Date.now(), processes = false): Promise<Result<AppHistory>> {
  const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const from = now - METRIC_RANGES[range];
  const reply = await agentHub().call(app.hostId, { op: "metrics.query", appId, from, to: now, ...(processes ? { processes } : {}) }, 15_000);
  if (reply.ok) {
    const parsed = MetricsQueryReplySchema.safeParse(reply.value);
    if (!parsed.success) return err("INTERNAL", "The agent sent malformed metrics.");
    return ok({ range, from, to: now, source: "agent", samples: parsed.data });
  }
  // Offline (or slow): what the control plane kept is better than nothing, and says where it came from.
  return ok({ range, from, to: now, source: "control-plane", samples: metricsStore().since(appId, from) });
}
