// The message an alert sends, in one shape for every channel: the JSON a webhook receives, and the
// subject and text that Slack and e-mail show. Bounded: a long detail is cut, never the envelope.
// A recovery has its own wording (what cleared, where, how long it fired, the value now), as
// Alertmanager's and Grafana's [RESOLVED] and Uptime Kuma's "Up" do: not the firing text again.
import { ALERT_EVENT_LABELS, type AlertEventKind } from "../../protocol";

export type MessageKind = "firing" | "repeat" | "resolved" | "test";
export type AlertMessage = {
  version: 1;
  status: MessageKind;
  event: AlertEventKind | "test";
  rule: { id: string; name: string } | null;
  app: { id: string; name: string } | null;
  host: { id: string; name: string } | null;
  subject: string;
  summary: string;
  detail: string;
  count: number;
  firstAt: string;
  /** When the condition cleared: set on a resolved message, else null. */
  clearedAt: string | null;
  /** What the clear said, the value now ("0.4% of 812 requests answered 5xx"): on a resolved message, "" if none. */
  current: string;
  sentAt: string;
  alertId: string | null;
};

const DETAIL_MAX = 8 << 10;

export function buildMessage(m: Omit<AlertMessage, "version" | "sentAt" | "clearedAt" | "current"> & Partial<Pick<AlertMessage, "clearedAt" | "current">>): AlertMessage {
  const detail = m.detail.length > DETAIL_MAX ? `${m.detail.slice(0, DETAIL_MAX)}\n… (cut)` : m.detail;
  return { version: 1, ...m, clearedAt: m.clearedAt ?? null, current: (m.current ?? "").slice(0, 1000), detail, summary: m.summary.slice(0, 1000), sentAt: new Date().toISOString() };
}

const WORD: Record<MessageKind, string> = { firing: "FIRING", repeat: "STILL FIRING", resolved: "RESOLVED", test: "TEST" };

export function messageTitle(m: AlertMessage): string {
  const what = m.event === "test" ? "test message from Stoker" : ALERT_EVENT_LABELS[m.event];
  return `[${WORD[m.status]}] ${m.subject}: ${what}`;
}

/** "2 min 5 s", "3 h 12 min", "2 d 4 h": how long an alert fired, to the two largest units. */
export function spanText(ms: number): string {
  const secs = Math.max(0, Math.round(ms / 1000));
  const units: [string, number][] = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  const first = units.findIndex(([, size]) => secs >= size);
  if (first < 0) return "0 s";
  const [big, bigSize] = units[first];
  const next = units[first + 1];
  const rest = next ? Math.floor((secs % bigSize) / next[1]) : 0;
  return `${Math.floor(secs / bigSize)} ${big}${rest ? ` ${rest} ${next[0]}` : ""}`;
}

const timeOf = (iso: string) => iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");
const placeOf = (m: AlertMessage) => (m.app ? `${m.app.name}${m.host ? ` (host ${m.host.name})` : ""}` : m.host ? `host ${m.host.name}` : m.subject);

/** The one line that says what the message is about: the firing summary, or for a recovery what cleared, where and after how long. */
export function messageSummary(m: AlertMessage): string {
  if (m.status !== "resolved" || m.event === "test") return m.summary;
  const what = ALERT_EVENT_LABELS[m.event];
  const lasted = m.clearedAt ? ` after ${spanText(Date.parse(m.clearedAt) - Date.parse(m.firstAt))}` : "";
  return `Recovered: ${what} cleared on ${placeOf(m)}${lasted}.`;
}

export function messageText(m: AlertMessage): string {
  const lines = [messageTitle(m)];
  if (m.status === "resolved") {
    lines.push(messageSummary(m));
    const times = `Firing since ${timeOf(m.firstAt)}${m.clearedAt ? `, cleared ${timeOf(m.clearedAt)}` : ""}`;
    lines.push(`${times}${m.count > 1 ? `; ${m.count} occurrences` : ""}.`);
    if (m.current) lines.push(`Now: ${m.current}`);
    // The firing text, marked as the past: the reader of a lone recovery still learns what it was.
    if (m.summary) lines.push(`It was: ${m.summary}`);
  } else {
    if (m.summary) lines.push(m.summary);
    if (m.count > 1) lines.push(`${m.count} occurrences since ${m.firstAt}.`);
  }
  if (m.rule) lines.push(`Rule: ${m.rule.name}`);
  if (m.app) lines.push(`App: ${m.app.name}${m.host ? ` on ${m.host.name}` : ""}`);
  else if (m.host) lines.push(`Host: ${m.host.name}`);
  // A recovery leaves out the firing's detail (a stack, a log tail): it is over.
  if (m.detail && m.status !== "resolved") lines.push("", m.detail);
  return lines.join("\n");
}
