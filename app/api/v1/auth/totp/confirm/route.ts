// POST {code}: confirm enrolment with the app's current code → {recoveryCodes} (shown this once).
import { ConfirmTotpSchema, confirmTotpEnrolment } from "@/lib/auth/two-factor";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler(
  "read",
  async (req, { actor, audit }) => {
    const body = await parseBody(req, ConfirmTotpSchema);
    if (!body.ok) return toResponse(body);
    return toResponse(await confirmTotpEnrolment(actor, body.value.code, audit));
  },
  { enrolment: true },
);
