// Secrets alerts must read back (a webhook's HMAC key, the SMTP password), sealed in the database
// with the one sealing format (lib/protocol/sealed-text.ts) under the server's secrets key, kept
// outside the database (lib/keys/server-keys.ts). The purpose is the associated data: a sealed value
// moved to another channel (or to an app's env) does not open.
import "server-only";
import { serverKey } from "../keys/server-keys";
import { openText, sealText } from "../protocol/sealed-text";

export const seal = (plain: string, purpose: string): string => sealText(serverKey("secrets"), plain, `alerts:${purpose}`);
export const unseal = (sealed: string, purpose: string): string | null => openText(serverKey("secrets"), sealed, `alerts:${purpose}`);
