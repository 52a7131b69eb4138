// Sealing a short text (a secret env value) with AES-256-GCM: the one format both sides use, the
// control plane for its database (key: lib/keys/server-keys "secrets") and the agent for its state
// file (key: its own 0600 file, agent/secret-key.ts). `v1.<iv>.<tag>.<ciphertext>`, base64url; the
// associated data binds a sealed value to where it belongs, so it cannot be moved to another app or name.
// Not exported from lib/protocol.ts: it uses node:crypto, which browser code must not pull in.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";

export function sealText(key: Buffer, plain: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.subarray(0, 32), iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
}

/** The plain text, or null if the value is not ours, was changed, or belongs elsewhere (aad). */
export function openText(key: Buffer, sealed: string, aad: string): string | null {
  const [version, iv, tag, ct] = sealed.split(".");
  if (version !== VERSION || iv === undefined || tag === undefined || ct === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.subarray(0, 32), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
