// POST: deploy-on-push webhook. Public, authenticated by X-Hub-Signature-256 over the raw body.
import { clientIp } from "@/lib/audit/audit-context";
import { deployFromHook } from "@/lib/deploy/deploy-hook";
import { publicHandler } from "@/lib/http/handler";
import { LIMITS } from "@/lib/http/limits";
import { readBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const POST = publicHandler(async (req, ctx) => {
  const { id } = await ctx.params;
  // GitHub caps push payloads at 25 MB, but only the signature and a few fields matter here.
  const raw = await readBody(req, LIMITS.webhookBody);
  if (!raw.ok) return toResponse(raw);
  const body = raw.value;
  const headers = { signature: req.headers.get("x-hub-signature-256"), event: req.headers.get("x-github-event") };
  const result = await deployFromHook(id, body, headers, clientIp(req));
  return toResponse(result, result.ok && result.value.deployed ? 202 : 200);
});
