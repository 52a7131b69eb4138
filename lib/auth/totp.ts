// The second factor's codes: TOTP (RFC 6238, otplib; 30 s steps, one step of clock drift either way)
// and single-use recovery codes. A TOTP secret is stored sealed with the secrets key; a used time
// step is recorded so the same code (or an older one) is refused after it once worked; recovery
// codes are stored as HMACs under the same key and removed when used.
import "server-only";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";
import { db } from "../db";
import { serverKey } from "../keys/server-keys";
import { openText, sealText } from "../protocol/sealed-text";

export const RECOVERY_CODE_COUNT = 10;
const ISSUER = "Stoker";
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i: read aloud and typed from paper

export type TotpUser = { id: string; email: string; totpSecret: string | null; totpLastStep: number; recoveryCodes: string };

const aad = (userId: string) => `totp/${userId}`;

export function sealTotpSecret(userId: string, secret: string): string {
  return sealText(serverKey("secrets"), secret, aad(userId));
}

export function openTotpSecret(user: Pick<TotpUser, "id" | "totpSecret">): string | null {
  return user.totpSecret ? openText(serverKey("secrets"), user.totpSecret, aad(user.id)) : null;
}

/** A new secret with what an authenticator app needs: the otpauth URI and its QR code as SVG. */
export async function newTotpSecret(email: string): Promise<{ secret: string; otpauthUri: string; qrSvg: string }> {
  const secret = generateSecret({ length: 20 }); // 160 bits, RFC 4226's recommendation
  const otpauthUri = generateURI({ issuer: ISSUER, label: email, secret });
  const qrSvg = await QRCode.toString(otpauthUri, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  return { secret, otpauthUri, qrSvg };
}

/** The time step of a valid code newer than `afterStep`, or null. */
export async function checkTotp(secret: string, code: string, afterStep: number): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  try {
    const r = await verify({ secret, token: code, epochTolerance: 30, afterTimeStep: afterStep });
    return r.valid && "timeStep" in r ? r.timeStep : null;
  } catch {
    return null;
  }
}

const normalizeRecovery = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, "");
const recoveryHmac = (userId: string, code: string) => createHmac("sha256", serverKey("secrets")).update(`recovery/${userId}/${normalizeRecovery(code)}`).digest("hex");

/** Ten fresh codes (shown once) and their stored form. 50 bits each: `xxxxx-xxxxx`. */
export function newRecoveryCodes(userId: string): { codes: string[]; stored: string } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(10);
    const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  return { codes, stored: JSON.stringify(codes.map((c) => recoveryHmac(userId, c))) };
}

export function recoveryCodesLeft(stored: string): number {
  try {
    const list: unknown = JSON.parse(stored);
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
  }
}

/**
 * Checks a TOTP code or a recovery code and uses it up: the TOTP step is recorded (a replay within
 * its window is refused), a recovery code is removed. Both writes are conditional, so two requests
 * racing with one code cannot both succeed.
 */
export async function spendSecondFactor(user: TotpUser, code: string): Promise<"totp" | "recovery" | null> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed.replace(/\s/g, ""))) {
    const secret = openTotpSecret(user);
    if (!secret) return null;
    const step = await checkTotp(secret, trimmed.replace(/\s/g, ""), user.totpLastStep);
    if (step === null) return null;
    const won = await db.user.updateMany({ where: { id: user.id, totpLastStep: { lt: step } }, data: { totpLastStep: step } });
    return won.count === 1 ? "totp" : null;
  }
  const mac = Buffer.from(recoveryHmac(user.id, trimmed), "hex");
  let list: string[];
  try {
    list = (JSON.parse(user.recoveryCodes) as unknown[]).filter((x): x is string => typeof x === "string");
  } catch {
    return null;
  }
  const index = list.findIndex((h) => {
    const b = Buffer.from(h, "hex");
    return b.length === mac.length && timingSafeEqual(b, mac);
  });
  if (index < 0) return null;
  const left = list.filter((_, i) => i !== index);
  const won = await db.user.updateMany({ where: { id: user.id, recoveryCodes: user.recoveryCodes }, data: { recoveryCodes: JSON.stringify(left) } });
  return won.count === 1 ? "recovery" : null;
}
