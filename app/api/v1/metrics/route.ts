// GET: every app's metrics in the Prometheus text format (viewer role; Bearer token for scrapers).
import { handler } from "@/lib/http/handler";
import { prometheusText } from "@/lib/metrics/prometheus";

export const GET = handler("read", async () => {
  const { contentType, body } = await prometheusText();
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});
