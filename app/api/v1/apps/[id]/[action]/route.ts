// POST /apps/{id}/restart|stop|start|reload: returns when the agent has finished, with the process list.
import { appAction } from "@/lib/apps/app-action";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { err } from "@/lib/result";

const ACTIONS = ["restart", "stop", "start", "reload"] as const;
const isAction = (a: string): a is (typeof ACTIONS)[number] => (ACTIONS as readonly string[]).includes(a);

export const POST = handler("apps.operate", async (_req, { audit, params }) => {
  if (!isAction(params.action)) return toResponse(err("NOT_FOUND", `Unknown action "${params.action}"; use one of ${ACTIONS.join(", ")}.`));
  return toResponse(await appAction(params.id, params.action, audit));
});
