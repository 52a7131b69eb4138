// GET: my second factor: {enrolled, pending, required, recoveryCodesLeft, passwordAccount}. Open during enrolment.
import { twoFactorStatus } from "@/lib/auth/two-factor";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { actor }) => toResponse(await twoFactorStatus(actor)), { enrolment: true });
