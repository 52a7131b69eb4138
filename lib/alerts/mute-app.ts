// Muting an app is a silence on the app named "Muted" (until a time, or until unmuted), so it follows
// the silence rules: recorded, not sent, and a still-firing alert is sent once when the mute ends.
import "server-only";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import type { SilenceView } from "../protocol";
import { err, ok, type Result } from "../result";
import { createSilence, deleteSilence } from "./silences";

export const MUTE_NAME = "Muted";

export async function muteApp(appId: string, until: string | undefined, audit: AuditContext): Promise<Result<SilenceView>> {
  return createSilence({ name: MUTE_NAME, scope: "app", targetId: appId, ...(until ? { startsAt: new Date().toISOString(), endsAt: until } : {}) }, audit);
}

export async function unmuteApp(appId: string, audit: AuditContext): Promise<Result<{ unmuted: number }>> {
  const mutes = await db.silence.findMany({ where: { scope: "app", targetId: appId, name: MUTE_NAME, daily: "" }, select: { id: true } });
  if (!mutes.length) return err("NOT_FOUND", "That app is not muted.");
  for (const m of mutes) await deleteSilence(m.id, audit);
  return ok({ unmuted: mutes.length });
}
