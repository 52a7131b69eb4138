// Sealing secrets the control plane must read back (a webhook's HMAC key, the SMTP password):
// AES-256-GCM under a key derived from the server's secrets key (lib/keys/server-keys.ts), which
// is kept outside the database, so a copy of the database alone does not reveal them.
import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { serverKey } from "./server-keys";

const VERSION = "v1";

function key(purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", serverKey("secrets"), Buffer.alloc(0), `stoker seal ${purpose}`, 32));
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64url; `purpose` binds it to its use (it cannot be moved to another). */
export function seal(plain: string, purpose: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key(purpose), iv);
  const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return [VERSION, iv.toString("base64url"), c.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

/** The plain text, or null if it was sealed under another key or purpose, or altered. */
export function unseal(sealed: string, purpose: string): string | null {
  const [v, iv, tag, body] = sealed.split(".");
  if (v !== VERSION || !iv || !tag || body === undefined) return null;
  try {
    const d = createDecipheriv("aes-256-gcm", key(purpose), Buffer.from(iv, "base64url"));
    d.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([d.update(Buffer.from(body, "base64url")), d.final()]).toString("utf8");
  } catch {
    return null;
  }
}
