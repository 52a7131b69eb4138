// POST → {findings: [{code, severity, title, detail, fix}], ranAt, durationMs}: why the app fails, without a shell.
import { runDoctor } from "@/lib/debug/diagnose";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.operate", async (_req, { params, actor }) => toResponse(await runDoctor(params.id, actor)));
