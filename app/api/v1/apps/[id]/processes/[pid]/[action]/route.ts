// POST /apps/{id}/processes/{pid}/restart|kill.
import { processAction } from "@/lib/apps/app-action";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { err } from "@/lib/result";

export const POST = handler("apps.operate", async (_req, { audit, params }) => {
  const pid = Number(params.pid);
  if (!Number.isInteger(pid) || pid < 1) return toResponse(err("BAD_REQUEST", "The pid must be a positive integer."));
  if (params.action !== "restart" && params.action !== "kill") return toResponse(err("NOT_FOUND", "Use restart or kill."));
  return toResponse(await processAction(params.id, pid, params.action, audit));
});
