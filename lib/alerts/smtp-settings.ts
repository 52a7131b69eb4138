// The SMTP server alert e-mail goes through: kept in the control plane's settings (owner/admin
// change it, audited), the password sealed (lib/alerts/alert-secrets.ts) and never answered back.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { seal, unseal } from "./alert-secrets";
import type { SmtpSettings } from "../protocol";
import { ok, type Result } from "../result";

const KEY = "alerts.smtp";
type Stored = Omit<SmtpSettings, "password"> & { passwordSealed: string };
export type SmtpView = Omit<SmtpSettings, "password"> & { password: "set" | "" };

async function stored(): Promise<Stored | null> {
  const row = await db.setting.findUnique({ where: { key: KEY } });
  if (!row) return null;
  try {
    return JSON.parse(row.value) as Stored;
  } catch {
    return null;
  }
}

export async function getSmtpSettings(): Promise<SmtpView | null> {
  const s = await stored();
  if (!s) return null;
  const { passwordSealed, ...rest } = s;
  return { ...rest, password: passwordSealed ? "set" : "" };
}

/** The settings with the password in clear, for the mail transport only. */
export async function smtpForSending(): Promise<(Omit<SmtpSettings, "password"> & { password: string }) | null> {
  const s = await stored();
  if (!s) return null;
  const { passwordSealed, ...rest } = s;
  return { ...rest, password: passwordSealed ? (unseal(passwordSealed, KEY) ?? "") : "" };
}

export async function saveSmtpSettings(input: SmtpSettings, audit: AuditContext): Promise<Result<SmtpView>> {
  const before = await getSmtpSettings();
  const old = await stored();
  const { password, ...rest } = input;
  // Omitted keeps the stored password; "" clears it.
  const passwordSealed = password === undefined ? (old?.passwordSealed ?? "") : password ? seal(password, KEY) : "";
  const value: Stored = { ...rest, passwordSealed };
  await db.$transaction(async (tx) => {
    await tx.setting.upsert({ where: { key: KEY }, create: { key: KEY, value: JSON.stringify(value) }, update: { value: JSON.stringify(value) } });
    await appendAudit(tx, audit, { action: "alerts.smtp.updated", target: "settings:smtp", before, after: { ...rest, password: passwordSealed ? "set" : "" } });
  });
  return ok({ ...rest, password: passwordSealed ? "set" : "" });
}
