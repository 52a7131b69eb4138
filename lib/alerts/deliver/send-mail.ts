// Sends alert e-mail with nodemailer through the SMTP server in the settings, with timeouts and
// two attempts; a missing setting is a failure the history shows, not an exception.
import "server-only";
import nodemailer from "nodemailer";
import { smtpForSending } from "../smtp-settings";
import type { PostOutcome } from "./post-json";

const TIMEOUT_MS = Number(process.env.STOKER_ALERT_TIMEOUT_MS) || 10_000;

export async function sendMail(to: string[], subject: string, text: string): Promise<PostOutcome> {
  const smtp = await smtpForSending();
  if (!smtp) return { ok: false, attempts: 0, error: "no SMTP server is set (Settings → Alerts e-mail)" };
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  let error = "";
  try {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        await transport.sendMail({ from: smtp.from, to, subject: subject.slice(0, 300), text: text.slice(0, 64 << 10) });
        return { ok: true, attempts: attempt };
      } catch (e) {
        const x = e as { code?: string; responseCode?: number; response?: string };
        error = x.responseCode ? `SMTP ${x.responseCode} ${String(x.response ?? "").slice(0, 200)}` : `SMTP ${x.code ?? "error"}`;
        if (x.responseCode && x.responseCode >= 500) return { ok: false, attempts: attempt, error }; // permanent
        if (attempt === 1) await new Promise((r) => setTimeout(r, 1000));
      }
    }
    return { ok: false, attempts: 2, error };
  } finally {
    transport.close();
  }
}
