// The message an alert sends, in one shape for every channel: the JSON a webhook receives, and the
// subject and text that Slack and e-mail show. Bounded: a long detail is cut, never the envelope.
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
  sentAt: string;
  alertId: string | null;
};

const DETAIL_MAX = 8 << 10;

export function buildMessage(m: Omit<AlertMessage, "version" | "sentAt">): AlertMessage {
  const detail = m.detail.length > DETAIL_MAX ? `${m.detail.slice(0, DETAIL_MAX)}\n… (cut)` : m.detail;
  return { version: 1, ...m, detail, summary: m.summary.slice(0, 1000), sentAt: new Date().toISOString() };
}

const WORD: Record<MessageKind, string> = { firing: "FIRING", repeat: "STILL FIRING", resolved: "RESOLVED", test: "TEST" };

export function messageTitle(m: AlertMessage): string {
  const what = m.event === "test" ? "test message from Stoker" : ALERT_EVENT_LABELS[m.event];
  return `[${WORD[m.status]}] ${m.subject}: ${what}`;
}

export function messageText(m: AlertMessage): string {
  const lines = [messageTitle(m)];
  if (m.summary) lines.push(m.summary);
  if (m.status === "resolved") lines.push(`Cleared; it fired ${m.count} time(s) since ${m.firstAt}.`);
  else if (m.count > 1) lines.push(`${m.count} occurrences since ${m.firstAt}.`);
  if (m.rule) lines.push(`Rule: ${m.rule.name}`);
  if (m.app) lines.push(`App: ${m.app.name}${m.host ? ` on ${m.host.name}` : ""}`);
  else if (m.host) lines.push(`Host: ${m.host.name}`);
  if (m.detail) lines.push("", m.detail);
  return lines.join("\n");
}
