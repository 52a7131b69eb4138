// GET: who an invitation is for (public: the token itself is the credential).
import { describeInvite } from "@/lib/auth/invites";
import { publicHandler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = publicHandler(async (_req, ctx) => toResponse(await describeInvite((await ctx.params).token ?? "")));
