// "Send test": one test message to a channel, answered with what happened and recorded in the
// history like any delivery (and audited: it reaches outside Stoker).
import "server-only";
import { appendAudit } from "../audit/append-audit";
import { type AuditContext, actorLabel } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import { buildMessage } from "./deliver/alert-message";
import { sendToChannel } from "./deliver/send-to-channel";

export async function sendTestMessage(channelId: string, audit: AuditContext): Promise<Result<{ sent: boolean; attempts: number; error: string }>> {
  const channel = await db.notificationChannel.findUnique({ where: { id: channelId } });
  if (!channel) return err("NOT_FOUND", "That channel does not exist.");
  const message = buildMessage({ status: "test", event: "test", rule: null, app: null, host: null, subject: channel.name, summary: `Sent by ${actorLabel(audit.actor)} to check the channel.`, detail: "", count: 1, firstAt: new Date().toISOString(), alertId: null });
  const out = await sendToChannel(channel, message);
  const error = out.ok ? "" : out.error;
  await db.$transaction(async (tx) => {
    await tx.alertDelivery.create({ data: { channelId, channelName: channel.name, kind: "test", status: out.ok ? "sent" : "failed", reason: error, subject: channel.name, attempts: out.attempts } });
    await appendAudit(tx, audit, { action: "alerts.channel.tested", target: `channel:${channelId}`, after: { sent: out.ok, error }, result: out.ok ? "success" : "failure" });
  });
  return ok({ sent: out.ok, attempts: out.attempts, error });
}
