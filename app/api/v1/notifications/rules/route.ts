// GET: alert rules. POST {name, event, channelIds, appId?, params?, enabled?} → the rule with its id.
import { createRule, listRules } from "@/lib/alerts/rules";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { RuleInputSchema } from "@/lib/protocol";

export const GET = handler("read", async () => Response.json(await listRules()));

export const POST = handler("alerts.write", async (req, { audit }) => {
  const body = await parseBody(req, RuleInputSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await createRule(body.value, audit), 201);
});
