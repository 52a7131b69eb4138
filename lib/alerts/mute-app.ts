// Muting an app is a silence on the app named "Muted" (until a time, or until unmuted), so it follows
// the silence rules: recorded, not sent, and a still-firing alert is sent once when the mute ends.
import "server-only";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import type { MuteState, SilenceView } from "../protocol";
import { err, ok, type Result } from "../result";
import { silenceActive } from "./silence-window";
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

/** Whether a mute holds now; `until` is null for a mute until unmuted (the latest end when there are several). */
export async function appMute(appId: string, now = new Date()): Promise<Result<MuteState>> {
  if (!(await db.app.findUnique({ where: { id: appId }, select: { id: true } }))) return err("NOT_FOUND", "That app does not exist.");
  const mutes = await db.silence.findMany({ where: { scope: "app", targetId: appId, name: MUTE_NAME, daily: "" }, select: { startsAt: true, endsAt: true } });
  const active = mutes.filter((m) => silenceActive({ ...m, daily: "", days: [] }, now));
  if (!active.length) return ok({ muted: false, until: null });
  const ends = active.map((m) => m.endsAt);
  const until = ends.some((e) => e === null) ? null : new Date(Math.max(...ends.map((e) => (e as Date).getTime()))).toISOString();
  return ok({ muted: true, until });
}
