// GET ?range=1h|6h|24h|7d|30d[&processes=1]: the app's metric samples over the range, oldest first
// ({range, from, to, source, samples}); with processes=1 each sample carries perProcess (history per process).
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { appHistory } from "@/lib/metrics/app-history";
import { MetricRangeSchema } from "@/lib/protocol";

export const GET = handler("read", async (req, { params }) => {
  const range = MetricRangeSchema.safeParse(new URL(req.url).searchParams.get("range") ?? "1h");
  if (!range.success) return Response.json({ code: "BAD_REQUEST", message: "range must be one of 1h, 6h, 24h, 7d, 30d." }, { status: 400 });
  const processes = new URL(req.url).searchParams.get("processes") === "1";
  return toResponse(await appHistory(params.id, range.data, Date.now(), processes));
});
