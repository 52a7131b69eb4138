// Random secrets (session ids, API tokens, host keys) and their stored form: a SHA-256 hash.
// High-entropy random values need no slow hash; passwords use argon2id (passwords.ts).
import "server-only";
import { createHash, randomBytes } from "node:crypto";

export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
