// GET one rule; PATCH any of its fields; DELETE it (with its alerts).
import { deleteRule, getRule, updateRule } from "@/lib/alerts/rules";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { RulePatchSchema } from "@/lib/protocol";

export const GET = handler("read", async (_req, { params }) => toResponse(await getRule(params.id)));

export const PATCH = handler("alerts.write", async (req, { audit, params }) => {
  const body = await parseBody(req, RulePatchSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await updateRule(params.id, body.value, audit));
});

export const DELETE = handler("alerts.write", async (_req, { audit, params }) => toResponse(await deleteRule(params.id, audit)));
