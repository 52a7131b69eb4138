// Alerts on the wire: the events a rule can name, and the bodies of the notification API
// (channels, rules, silences, uptime checks, SMTP settings) with the views it answers.
import * as z from "zod";

/** Every event an alert rule can name. App events carry an app; host events a host. */
export const ALERT_EVENTS = [
  "app.fatal",
  "app.crash-loop",
  "app.traceback.new",
  "app.traceback.spike",
  "app.uptime.failed",
  "app.http.5xx-rate",
  "app.http.p99-latency",
  "app.workers.saturated",
  "deployment.failed",
  "webconfig.apply.failed",
  "host.agent.offline",
  "host.logs.disk-full",
] as const;
export const AlertEventSchema = z.enum(ALERT_EVENTS);
export type AlertEventKind = z.infer<typeof AlertEventSchema>;
export const HOST_EVENTS: readonly AlertEventKind[] = ["host.agent.offline", "host.logs.disk-full"];

export const ALERT_EVENT_LABELS: Record<AlertEventKind, string> = {
  "app.fatal": "App FATAL (gave up restarting)",
  "app.crash-loop": "Crash loop (restarts per window)",
  "app.traceback.new": "New traceback group",
  "app.traceback.spike": "Traceback spike",
  "app.uptime.failed": "Uptime check failed",
  "app.http.5xx-rate": "5xx rate above threshold",
  "app.http.p99-latency": "p99 latency above threshold",
  "app.workers.saturated": "Workers all busy / queue growing",
  "deployment.failed": "Deployment failed",
  "webconfig.apply.failed": "Web-config apply failed",
  "host.agent.offline": "Agent offline",
  "host.logs.disk-full": "Log volume full",
};

const Name = z.string().trim().min(1, "Give it a name.").max(100);
const HttpUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => {
    try {
      const p = new URL(u);
      return (p.protocol === "http:" || p.protocol === "https:") && !p.username && !p.password;
    } catch {
      return false;
    }
  }, "An http:// or https:// URL without credentials in it.");
const Email = z.string().trim().max(254).regex(/^[^\s@,<>]+@[^\s@,<>]+$/, "An e-mail address.");

export const ChannelKindSchema = z.enum(["webhook", "slack", "email"]);
export const ChannelInputSchema = z
  .object({
    name: Name,
    kind: ChannelKindSchema,
    url: HttpUrl.optional(),
    to: z.array(Email).min(1).max(20).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.kind !== "email" && !c.url) ctx.addIssue({ code: "custom", path: ["url"], message: `A ${c.kind} channel needs a url.` });
    if (c.kind === "email" && !c.to?.length) ctx.addIssue({ code: "custom", path: ["to"], message: "An email channel needs at least one address in to." });
  });
export type ChannelInput = z.infer<typeof ChannelInputSchema>;
export const ChannelPatchSchema = z.object({ name: Name.optional(), url: HttpUrl.optional(), to: z.array(Email).min(1).max(20).optional(), rotateSecret: z.boolean().optional() }).strict();
export type ChannelPatch = z.infer<typeof ChannelPatchSchema>;

export const ChannelViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: ChannelKindSchema,
  /** Whole only for readers who may change channels (admin); others get `origin/… (sha256:xxxxxxxx)`: the URL is a credential. */
  url: z.string(),
  to: z.array(z.string()),
  /** Only in the answer to a create or a secret rotation: the webhook's HMAC key, to give the receiver. */
  secret: z.string().optional(),
  createdAt: z.string(),
});
export type ChannelView = z.infer<typeof ChannelViewSchema>;

/** Thresholds and timing of a rule; every field has a default (lib/alerts/rule-params.ts). */
export const RuleParamsSchema = z
  .object({
    /** Seconds between repeats of a still-firing alert. */
    repeatSec: z.number().int().min(1).max(30 * 86400).optional(),
    /** Seconds the condition must stay clear before the recovery is sent (a flapping app sends one message). */
    resolveAfterSec: z.number().int().min(0).max(86400).optional(),
    /** crash loop: this many restarts within windowSec. traceback spike: this many in windowSec. */
    count: z.number().int().min(1).max(100000).optional(),
    windowSec: z.number().int().min(10).max(86400).optional(),
    /** agent offline: seconds away before it counts. */
    graceSec: z.number().int().min(0).max(86400).optional(),
    /** 5xx rate (percent of requests), p99 latency (ms). */
    threshold: z.number().min(0).max(1e9).optional(),
  })
  .strict();
export type RuleParams = z.infer<typeof RuleParamsSchema>;

export const RuleInputSchema = z
  .object({
    name: Name,
    event: AlertEventSchema,
    channelIds: z.array(z.string().min(1).max(64)).min(1, "Pick at least one channel.").max(20),
    /** App events only: this app; omitted, every app. Host events apply to every host (silence a host to spare it). */
    appId: z.string().min(1).max(64).optional(),
    params: RuleParamsSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type RuleInput = z.infer<typeof RuleInputSchema>;
export const RulePatchSchema = RuleInputSchema.partial().strict();
export type RulePatch = z.infer<typeof RulePatchSchema>;

export const RuleViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  event: AlertEventSchema,
  appId: z.string().nullable(),
  channelIds: z.array(z.string()),
  params: RuleParamsSchema,
  enabled: z.boolean(),
  createdAt: z.string(),
});
export type RuleView = z.infer<typeof RuleViewSchema>;

const Hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
export const SilenceInputSchema = z
  .object({
    name: Name,
    scope: z.enum(["app", "host", "rule"]),
    targetId: z.string().min(1).max(64),
    /** A one-off period (both ISO times), or with neither and no daily range: until removed (a mute). */
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    /** A recurring window, every day (or on `days`), UTC: "HH:MM-HH:MM"; may cross midnight. */
    daily: z.string().regex(new RegExp(`^${Hhmm.source.slice(1, -1)}-${Hhmm.source.slice(1, -1)}$`), "HH:MM-HH:MM (UTC)").optional(),
    days: z.array(z.number().int().min(0).max(6)).max(7).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.startsAt && s.endsAt && Date.parse(s.endsAt) <= Date.parse(s.startsAt)) ctx.addIssue({ code: "custom", path: ["endsAt"], message: "The end must come after the start." });
    if (s.days && !s.daily) ctx.addIssue({ code: "custom", path: ["days"], message: "Days go with a daily range." });
  });
export type SilenceInput = z.infer<typeof SilenceInputSchema>;

export const SilenceViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(["app", "host", "rule"]),
  targetId: z.string(),
  targetName: z.string(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  daily: z.string(),
  days: z.array(z.number()),
  active: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type SilenceView = z.infer<typeof SilenceViewSchema>;
/** GET /api/v1/apps/{id}/mute: whether the app's alerts are muted now, and until when (null: until unmuted). */
export const MuteStateSchema = z.object({ muted: z.boolean(), until: z.string().nullable() });
export type MuteState = z.infer<typeof MuteStateSchema>;

export const DeliveryViewSchema = z.object({
  id: z.number(),
  at: z.string(),
  ruleId: z.string().nullable(),
  ruleName: z.string(),
  channelId: z.string().nullable(),
  channelName: z.string(),
  kind: z.enum(["firing", "repeat", "resolved", "test"]),
  status: z.enum(["sent", "failed", "suppressed"]),
  reason: z.string(),
  subject: z.string(),
  attempts: z.number(),
});
export type DeliveryView = z.infer<typeof DeliveryViewSchema>;
export const HistoryQuerySchema = z.object({
  status: z.enum(["sent", "failed", "suppressed"]).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

export const AlertViewSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  ruleName: z.string(),
  event: z.string(),
  subject: z.string(),
  state: z.string(),
  summary: z.string(),
  count: z.number(),
  firstAt: z.string(),
  lastAt: z.string(),
  notifiedAt: z.string().nullable(),
});
export type AlertView = z.infer<typeof AlertViewSchema>;

export const UptimeCheckInputSchema = z
  .object({
    appId: z.string().min(1).max(64),
    url: HttpUrl,
    intervalSec: z.number().int().min(5).max(86400).default(60),
    timeoutMs: z.number().int().min(100).max(60000).default(10000),
    expect: z.number().int().min(0).max(599).default(0),
    enabled: z.boolean().default(true),
  })
  .strict();
export type UptimeCheckInput = z.infer<typeof UptimeCheckInputSchema>;

/** PATCH of an app's one check: any of its settings (not its app), no defaults, so what is left out is kept. */
export const UptimeCheckPatchSchema = z
  .object({
    url: HttpUrl,
    intervalSec: z.number().int().min(5).max(86400),
    timeoutMs: z.number().int().min(100).max(60000),
    expect: z.number().int().min(0).max(599),
    enabled: z.boolean(),
  })
  .partial()
  .strict();
export type UptimeCheckPatch = z.infer<typeof UptimeCheckPatchSchema>;

export const SmtpSettingsSchema = z
  .object({
    host: z.string().trim().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    secure: z.boolean().default(false),
    user: z.string().max(254).default(""),
    /** Write-only: omitted keeps the stored one; answered as "set" or "". */
    password: z.string().max(1000).optional(),
    from: Email,
  })
  .strict();
export type SmtpSettings = z.infer<typeof SmtpSettingsSchema>;
