// POST: deploy-on-push webhook. Public, authenticated by X-Hub-Signature-256 over the raw body.
import { clientIp } from "@/lib/audit/audit-context";
import { deployFromHook } from "@/lib/deploy/deploy-hook";
import { publicHandler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { err } from "@/lib/result";

const MAX_BODY = 1 << 20; // GitHub caps push payloads at 25 MB but the signature is all that matters here

export const POST = publicHandler(async (req, ctx) => {
  const { id } = await ctx.params;
  if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY) return toResponse(err("BAD_REQUEST", "The payload is too large."));
  const body = Buffer.from(await req.arrayBuffer());
  const headers = { signature: req.headers.get("x-hub-signature-256"), event: req.headers.get("x-github-event") };
  const result = await deployFromHook(id, body, headers, clientIp(req));
  return toResponse(result, result.ok && result.value.deployed ? 202 : 200);
});
