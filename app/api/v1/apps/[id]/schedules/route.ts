// GET: the app's schedules with their kept runs, newest first: {"schedules": [{name, cron, nextRunAt, running, runs: [{status, exitCode, durationMs, output, …}]}]}.
import { listSchedules } from "@/lib/apps/app-jobs";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { params }) => toResponse(await listSchedules(params.id)));
