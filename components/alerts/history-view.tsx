"use client";
// The Alerts landing: alerts now firing (or clearing), then every delivery, newest first: sent,
// failed (with why) and suppressed (inside a silence), filterable and paged.
import { useCallback, useEffect, useState } from "react";
import { ALERT_EVENT_LABELS, type AlertEventKind, type AlertView, type DeliveryView } from "@/lib/protocol/alert-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { cell, inputClass, LoadError, StatusPill, useList, when } from "./alerts-kit";
import { ListTable, Row } from "./list-table";

type Page = { deliveries: DeliveryView[]; nextBefore: number | null };

export function HistoryView() {
  const alerts = useList<AlertView>("/notifications/alerts");
  const [status, setStatus] = useState("");
  const [rows, setRows] = useState<DeliveryView[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const load = useCallback(async (before?: number) => {
    const q = new URLSearchParams({ limit: "100", ...(status ? { status } : {}), ...(before ? { before: String(before) } : {}) });
    if (!before) setLoading(true); // a new filter: its rows are unknown until it answers
    const r = await api<Page>(`/notifications/history?${q}`);
    setLoading(false);
    if (!r.ok) return setError(r.error.message);
    setError("");
    setRows((old) => (before ? [...old, ...r.value.deliveries] : r.value.deliveries));
    setNext(r.value.nextBefore);
  }, [status]);
  useEffect(() => void load(), [load]);
  const open = alerts.items.filter((a) => a.state !== "resolved");

  return (
    <div className="space-y-6">
      <section aria-labelledby="firing-h">
        <h2 id="firing-h" className="mb-2 text-sm font-semibold">
          Firing now <span className="font-normal text-muted">({open.length})</span>
        </h2>
        <LoadError error={alerts.error} />
        <ListTable label="Firing now" columns={["Subject", "Event", "Rule", "State", "Count", "Since", "Last sent", "Why"]} items={open} loading={alerts.loading} empty="Nothing is firing.">
          {(a) => (
                <Row>
                  <td className={`${cell} font-medium`}>{a.subject}</td>
                  <td className={cell}>{ALERT_EVENT_LABELS[a.event as AlertEventKind] ?? a.event}</td>
                  <td className={cell}>{a.ruleName}</td>
                  <td className={cell}>
                    <StatusPill status={a.state} />
                  </td>
                  <td className={`${cell} tabular-nums`}>{a.count}</td>
                  <td className={`${cell} whitespace-nowrap text-xs`}>{when(a.firstAt)}</td>
                  <td className={`${cell} whitespace-nowrap text-xs`}>{a.notifiedAt ? when(a.notifiedAt) : <span className="text-muted">not sent (silenced)</span>}</td>
                  <td className={`${cell} max-w-80 break-words text-xs`}>{a.summary}</td>
                </Row>
          )}
        </ListTable>
      </section>
      <section aria-labelledby="history-h">
        <div className="mb-2 flex items-center justify-between gap-2">
          <h2 id="history-h" className="text-sm font-semibold">
            History
          </h2>
          <label className="text-xs text-muted">
            Show{" "}
            <select value={status} onChange={(e) => setStatus(e.target.value)} className={inputClass} aria-label="Filter by status">
              <option value="">everything</option>
              <option value="sent">sent</option>
              <option value="failed">failed deliveries</option>
              <option value="suppressed">suppressed (silenced)</option>
            </select>
          </label>
        </div>
        <LoadError error={error} />
        <ListTable label="History" columns={["Time", "Subject", "Message", "Rule", "Channel", "Status", "Detail"]} items={loading ? [] : rows} loading={loading} empty="Nothing sent yet.">
          {(d) => (
                <Row>
                  <td className={`${cell} whitespace-nowrap text-xs`}>{when(d.at)}</td>
                  <td className={`${cell} font-medium`}>{d.subject}</td>
                  <td className={cell}>{d.kind}</td>
                  <td className={cell}>{d.ruleName || <span className="text-muted">—</span>}</td>
                  <td className={cell}>{d.channelName || <span className="text-muted">—</span>}</td>
                  <td className={cell}>
                    <StatusPill status={d.status} />
                  </td>
                  <td className={`${cell} max-w-72 break-words text-xs`}>
                    {d.reason}
                    {d.attempts > 1 ? ` (${d.attempts} attempts)` : ""}
                  </td>
                </Row>
          )}
        </ListTable>
        {next !== null && (
          <div className="mt-2 text-center">
            <Button size="sm" onClick={() => void load(next)}>
              Older
            </Button>
          </div>
        )}
      </section>
    </div>
  );
}
