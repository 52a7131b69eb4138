// GET/PUT: the SMTP server alert e-mail goes through (owner and admins; the password is write-only).
import { getSmtpSettings, saveSmtpSettings } from "@/lib/alerts/smtp-settings";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { SmtpSettingsSchema } from "@/lib/protocol";

export const GET = handler("settings.manage", async () => Response.json(await getSmtpSettings()));

export const PUT = handler("settings.manage", async (req, { audit }) => {
  const body = await parseBody(req, SmtpSettingsSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await saveSmtpSettings(body.value, audit));
});
