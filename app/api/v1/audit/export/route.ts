// GET ?format=csv|jsonl&actor=&action=&target=&since=&until= : the filtered history as a file.
import { AuditQuerySchema, listAudit } from "@/lib/audit/list-audit";
import { handler } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

const csvCell = (v: unknown) => {
  const s = typeof v === "string" ? v : v === null || v === undefined ? "" : JSON.stringify(v);
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; // also defuses spreadsheet formulas
};

export const GET = handler("audit.read", async (req) => {
  const url = new URL(req.url);
  const format = url.searchParams.get("format") === "csv" ? "csv" : "jsonl";
  url.searchParams.delete("format");
  const q = parseQuery(new Request(url), AuditQuerySchema.omit({ limit: true, cursor: true }));
  if (!q.ok) return toResponse(q);
  const rows: Awaited<ReturnType<typeof listAudit>>["events"] = [];
  let cursor: number | undefined;
  do {
    const page = await listAudit({ ...q.value, limit: 500, cursor });
    rows.push(...page.events);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && rows.length < 100_000);
  const body =
    format === "csv"
      ? [["id", "ts", "actor", "action", "target", "result", "ip", "before", "after"].join(","), ...rows.map((e) => [e.id, e.ts, e.actor.label, e.action, e.target, e.result, e.ip, e.before, e.after].map(csvCell).join(","))].join("\n")
      : rows.map((e) => JSON.stringify(e)).join("\n");
  return new Response(`${body}\n`, {
    headers: { "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson", "content-disposition": `attachment; filename="stoker-audit.${format}"` },
  });
});
