// Sends one alert message to one channel: a signed webhook, a Slack-compatible incoming webhook,
// or an e-mail through the SMTP server in the control plane's settings.
import "server-only";
import { createHmac } from "node:crypto";
import { unseal } from "../alert-secrets";
import { type AlertMessage, messageText, messageTitle } from "./alert-message";
import { sendMail } from "./send-mail";
import { postJson, type PostOutcome } from "./post-json";

export type ChannelRow = { id: string; name: string; kind: string; url: string; to: string; secretSealed: string };
export const SIGNATURE_HEADER = "x-stoker-signature-256";
export const secretPurpose = (channelId: string) => `webhook:${channelId}`;

/** `sha256=<hex>`: HMAC-SHA256 of the raw body under the channel's secret (as GitHub signs webhooks). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export async function sendToChannel(channel: ChannelRow, m: AlertMessage): Promise<PostOutcome> {
  switch (channel.kind) {
    case "webhook": {
      const secret = unseal(channel.secretSealed, secretPurpose(channel.id));
      if (secret === null) return { ok: false, attempts: 0, error: "the channel's secret cannot be read with this server's key (rotate it)" };
      const body = JSON.stringify(m);
      return postJson(channel.url, body, { [SIGNATURE_HEADER]: signBody(secret, body), "x-stoker-event": m.event });
    }
    case "slack":
      return postJson(channel.url, JSON.stringify({ text: messageText(m) }));
    case "email":
      return sendMail(channel.to.split(",").filter(Boolean), messageTitle(m), messageText(m));
    default:
      return { ok: false, attempts: 0, error: `unknown channel kind ${channel.kind}` };
  }
}
