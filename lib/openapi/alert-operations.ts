// The alert routes of the OpenAPI document (notifications: channels, rules, silences, history,
// uptime checks, SMTP, mutes), from the same zod schemas their handlers parse with.
import * as z from "zod";
import {
  AlertViewSchema,
  ChannelInputSchema,
  ChannelPatchSchema,
  ChannelViewSchema,
  DeliveryViewSchema,
  HistoryQuerySchema,
  MuteStateSchema,
  RuleInputSchema,
  RulePatchSchema,
  RuleViewSchema,
  SilenceInputSchema,
  SilenceViewSchema,
  SmtpSettingsSchema,
  UptimeCheckInputSchema,
  UptimeCheckPatchSchema,
} from "../protocol";

type Op = { summary: string; role: string; body?: z.ZodType; query?: z.ZodType; response?: z.ZodType; /** Success codes; default [200]. */ status?: number[] };
const Deleted = z.object({ deleted: z.literal(true) });

export const ALERT_OPERATIONS: Record<string, Partial<Record<"get" | "post" | "put" | "patch" | "delete", Op>>> = {
  "/notifications/channels": {
    get: { summary: "Notification channels", role: "viewer", response: z.array(ChannelViewSchema) },
    post: { status: [201], summary: "Create a channel: webhook (JSON, signed X-Stoker-Signature-256: sha256=HMAC-SHA256 of the raw body; the secret is in this answer only), slack (incoming webhook) or email (SMTP from /notifications/smtp); 201 {id, …}", role: "admin", body: ChannelInputSchema, response: ChannelViewSchema },
  },
  "/notifications/channels/{id}": {
    get: { summary: "One channel", role: "viewer", response: ChannelViewSchema },
    patch: { summary: "Change a channel's name, url or addresses, or rotate a webhook's secret (the new one is in the answer)", role: "admin", body: ChannelPatchSchema, response: ChannelViewSchema },
    delete: { summary: "Delete a channel (rules that named it keep their other channels)", role: "admin", response: Deleted },
  },
  "/notifications/channels/{id}/test": { post: { summary: "Send a test message now; recorded in the history", role: "admin", response: z.object({ sent: z.boolean(), attempts: z.number(), error: z.string() }) } },
  "/notifications/rules": {
    get: { summary: "Alert rules", role: "viewer", response: z.array(RuleViewSchema) },
    post: { status: [201], summary: "Create a rule: an event (app.fatal, app.crash-loop, …), channels, optionally one app, thresholds and timing (repeatSec, resolveAfterSec); 201 {id, …}", role: "admin", body: RuleInputSchema, response: RuleViewSchema },
  },
  "/notifications/rules/{id}": {
    get: { summary: "One rule", role: "viewer", response: RuleViewSchema },
    patch: { summary: "Change a rule", role: "admin", body: RulePatchSchema, response: RuleViewSchema },
    delete: { summary: "Delete a rule and its alerts", role: "admin", response: Deleted },
  },
  "/notifications/silences": {
    get: { summary: "Silences and maintenance windows, with whether each holds now", role: "viewer", response: z.array(SilenceViewSchema) },
    post: { status: [201], summary: "Silence an app, a host or a rule: for a period, a daily UTC range (HH:MM-HH:MM, optionally on some weekdays) or until removed. Inside it alerts are recorded, not sent; one still firing when it ends is sent once then", role: "admin", body: SilenceInputSchema, response: SilenceViewSchema },
  },
  "/notifications/silences/{id}": { delete: { summary: "End a silence now", role: "admin", response: Deleted } },
  "/notifications/history": { get: { summary: "Deliveries, newest first: sent, failed (with why) and suppressed (silenced)", role: "viewer", query: HistoryQuerySchema, response: z.object({ deliveries: z.array(DeliveryViewSchema), nextBefore: z.number().nullable() }) } },
  "/notifications/alerts": { get: { summary: "Alerts (one per rule and subject): firing, clearing or resolved, with counts", role: "viewer", response: z.array(AlertViewSchema) } },
  "/notifications/uptime-checks": {
    get: { summary: "Uptime checks with their last result and 24-hour uptime", role: "viewer" },
    post: { status: [201], summary: "Create the app's uptime check (run by the control plane every intervalSec against the URL); one per app: 409 CONFLICT if the app has one (detail.existingId; change it with PATCH)", role: "admin", body: UptimeCheckInputSchema },
  },
  "/notifications/uptime-checks/{id}": {
    patch: { summary: "Change an uptime check (url, intervalSec, timeoutMs, expect, enabled); what is left out is kept", role: "admin", body: UptimeCheckPatchSchema },
    delete: { summary: "Remove an uptime check", role: "admin", response: Deleted },
  },
  "/notifications/uptime-checks/{id}/results": { get: { summary: "A check's results, newest first", role: "viewer", query: z.object({ limit: z.number().optional() }) } },
  "/notifications/smtp": {
    get: { summary: "The SMTP server alert e-mail goes through (password answered as \"set\" or \"\")", role: "admin" },
    put: { summary: "Set the SMTP server (password omitted keeps the stored one)", role: "admin", body: SmtpSettingsSchema },
  },
  "/apps/{id}/mute": {
    get: { summary: "Whether the app's alerts are muted now, and until when (null: until unmuted)", role: "viewer", response: MuteStateSchema },
    post: { status: [201], summary: "Mute the app's alerts (recorded, not sent) until {until} or until unmuted", role: "admin", body: z.object({ until: z.string().optional() }), response: SilenceViewSchema },
    delete: { summary: "Unmute the app", role: "admin" },
  },
};
