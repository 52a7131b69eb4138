// Notification channels: create, list, change, delete, each audited in the same transaction. A
// webhook gets a random HMAC secret, shown once at creation (and at rotation), kept sealed so the
// control plane can sign with it and the receiver can verify.
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { seal } from "./alert-secrets";
import type { ChannelInput, ChannelPatch, ChannelView } from "../protocol";
import { err, ok, type Result } from "../result";
import { secretPurpose } from "./deliver/send-to-channel";

type Row = { id: string; name: string; kind: string; url: string; to: string; createdAt: Date };

/**
 * A channel's URL is a credential (a Slack incoming webhook, a token in a path or query): whoever holds
 * it can post as the alerting system. Readers below alerts.write, and every audit row, get its origin
 * and a short fingerprint (so a change still shows in a diff), never the path or query.
 */
export function maskChannelUrl(url: string): string {
  if (!url) return url;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = "";
  }
  return `${origin}/… (sha256:${createHash("sha256").update(url).digest("hex").slice(0, 8)})`;
}

export function channelView(r: Row, secret?: string, full = true): ChannelView {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as ChannelView["kind"],
    url: full ? r.url : maskChannelUrl(r.url),
    to: r.to ? r.to.split(",") : [],
    ...(secret ? { secret } : {}),
    createdAt: r.createdAt.toISOString(),
  };
}
const audited = (r: Row) => ({ name: r.name, kind: r.kind, url: maskChannelUrl(r.url), to: r.to });
const newWebhookSecret = () => `whsec_${randomBytes(24).toString("base64url")}`;

/** `full`: the reader may change channels (alerts.write) and so sees the whole URL. */
export async function listChannels(full: boolean): Promise<ChannelView[]> {
  return (await db.notificationChannel.findMany({ orderBy: { createdAt: "asc" } })).map((r) => channelView(r, undefined, full));
}

export async function getChannel(id: string, full: boolean): Promise<Result<ChannelView>> {
  const r = await db.notificationChannel.findUnique({ where: { id } });
  return r ? ok(channelView(r, undefined, full)) : err("NOT_FOUND", "That channel does not exist.");
}

export async function createChannel(input: ChannelInput, audit: AuditContext): Promise<Result<ChannelView>> {
  const secret = input.kind === "webhook" ? newWebhookSecret() : undefined;
  const row = await db.$transaction(async (tx) => {
    const created = await tx.notificationChannel.create({ data: { name: input.name, kind: input.kind, url: input.url ?? "", to: (input.to ?? []).join(",") } });
    // The id is part of the seal's purpose: a sealed secret cannot be copied to another channel.
    const r = secret ? await tx.notificationChannel.update({ where: { id: created.id }, data: { secretSealed: seal(secret, secretPurpose(created.id)) } }) : created;
    await appendAudit(tx, audit, { action: "alerts.channel.created", target: `channel:${r.id}`, after: audited(r) });
    return r;
  });
  return ok(channelView(row, secret));
}

export async function updateChannel(id: string, patch: ChannelPatch, audit: AuditContext): Promise<Result<ChannelView>> {
  return db.$transaction(async (tx) => {
    const before = await tx.notificationChannel.findUnique({ where: { id } });
    if (!before) return err("NOT_FOUND", "That channel does not exist.");
    if (patch.url !== undefined && before.kind === "email") return err("BAD_REQUEST", "An email channel has addresses (to), not a url.");
    if (patch.to !== undefined && before.kind !== "email") return err("BAD_REQUEST", `A ${before.kind} channel has a url, not addresses.`);
    if (patch.rotateSecret && before.kind !== "webhook") return err("BAD_REQUEST", "Only a webhook channel has a secret.");
    const secret = patch.rotateSecret ? newWebhookSecret() : undefined;
    const r = await tx.notificationChannel.update({
      where: { id },
      data: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.to !== undefined ? { to: patch.to.join(",") } : {}),
        ...(secret ? { secretSealed: seal(secret, secretPurpose(id)) } : {}),
      },
    });
    await appendAudit(tx, audit, { action: "alerts.channel.updated", target: `channel:${id}`, before: audited(before), after: { ...audited(r), ...(secret ? { secret: "rotated" } : {}) } });
    return ok(channelView(r, secret));
  });
}

/** Deletes a channel and takes it out of every rule (a rule left with no channel only records). */
export async function deleteChannel(id: string, audit: AuditContext): Promise<Result<{ deleted: true }>> {
  return db.$transaction(async (tx) => {
    const before = await tx.notificationChannel.findUnique({ where: { id } });
    if (!before) return err("NOT_FOUND", "That channel does not exist.");
    for (const rule of await tx.alertRule.findMany()) {
      const ids = JSON.parse(rule.channelIds) as string[];
      if (ids.includes(id)) await tx.alertRule.update({ where: { id: rule.id }, data: { channelIds: JSON.stringify(ids.filter((c) => c !== id)) } });
    }
    await tx.notificationChannel.delete({ where: { id } });
    await appendAudit(tx, audit, { action: "alerts.channel.deleted", target: `channel:${id}`, before: audited(before) });
    return ok({ deleted: true as const });
  });
}
