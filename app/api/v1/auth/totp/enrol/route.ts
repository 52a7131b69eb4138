// POST: start TOTP enrolment: {secret, otpauthUri, qrSvg}. Takes effect only once confirmed with a code.
import { startTotpEnrolment } from "@/lib/auth/two-factor";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("read", async (_req, { actor }) => toResponse(await startTotpEnrolment(actor)), { enrolment: true });
