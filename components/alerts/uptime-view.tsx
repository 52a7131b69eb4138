"use client";
// Uptime checks: one HTTP check per app through its web server, run by the control plane every N
// seconds; last result, 24-hour uptime, recent results on demand; add (apps that have a check are
// not offered: a second is refused), edit under the row, delete (confirmed).
import { useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { cell, deleteItem, inputClass, LoadError, labelClass, StatusPill, useCreate, useList, useNames, when } from "./alerts-kit";
import { ConfirmButton, ListTable, Row } from "./list-table";
import { UptimeEdit, type UptimeCheckRow } from "./uptime-edit";

type Result = { at: string; ok: boolean; status: number; ms: number; error: string };
type Check = UptimeCheckRow & { last: Result | null; uptimePct24h: number | null };

export function UptimeView({ canChange }: { canChange: boolean }) {
  const { items, loading, error, reload } = useList<Check>("/notifications/uptime-checks");
  const { apps } = useNames();
  const { busy, fields, create: post } = useCreate<Check>("/notifications/uptime-checks", reload);
  const [open, setOpen] = useState<{ id: string; results: Result[] } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const checked = new Set(items.map((c) => c.appId));
  const free = apps.filter((a) => !checked.has(a.id));

  const save = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const body = { appId: f.get("appId"), url: f.get("url"), intervalSec: Number(f.get("intervalSec") || 60), ...(f.get("expect") ? { expect: Number(f.get("expect")) } : {}) };
    await post(form, body, "Check not added", () => "Uptime check added; first result within one interval");
  };
  const remove = (c: Check) => deleteItem(`/notifications/uptime-checks/${c.id}`, "Uptime check removed", "Not removed", reload);
  const show = async (c: Check) => {
    if (open?.id === c.id) return setOpen(null);
    const r = await api<Result[]>(`/notifications/uptime-checks/${c.id}/results?limit=50`);
    if (r.ok) setOpen({ id: c.id, results: r.value });
    else toast.error("Results not loaded", { description: r.error.message });
  };
  const appName = (id: string) => apps.find((a) => a.id === id)?.name ?? id;

  return (
    <div className="space-y-4">
      <LoadError error={error} />
      <p className="text-sm text-muted">Checks run from the control plane against the app's public URL, so they see what users see. A failure raises "Uptime check failed" for the rules on it.</p>
      {canChange && (
        <form onSubmit={save} className="flex flex-wrap items-end gap-2 rounded-lg border border-line bg-panel p-3" aria-label="Add an uptime check">
          <label className={labelClass}>
            App
            <select name="appId" required className={`${inputClass} mt-0.5 block`}>
              {!loading && apps.length > 0 && free.length === 0 && <option value="">Every app has a check</option>}
              {free.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
              {/* An app has one check: those that have one are shown, not offered (Edit changes theirs). */}
              {apps
                .filter((a) => checked.has(a.id))
                .map((a) => (
                  <option key={a.id} value={a.id} disabled>
                    {a.name} (has a check: Edit it below)
                  </option>
                ))}
            </select>
          </label>
          <label className={`${labelClass} min-w-56 flex-1`}>
            URL (through the web server)
            <input name="url" required placeholder="https://shop.example.com/health" className={`${inputClass} mt-0.5 block w-full`} />
          </label>
          <label className={labelClass}>
            Every (s)
            <input name="intervalSec" type="number" min={5} defaultValue={60} className={`${inputClass} mt-0.5 block w-24`} />
          </label>
          <label className={labelClass}>
            Expect status
            <input name="expect" type="number" min={100} max={599} placeholder="2xx/3xx" className={`${inputClass} mt-0.5 block w-24`} />
          </label>
          <Button type="submit" variant="primary" busy={busy} disabled={!loading && apps.length > 0 && free.length === 0}>
            Add check
          </Button>
          <FieldErrors errors={fields} className="w-full" />
        </form>
      )}
      <ListTable label="Uptime checks" columns={["App", "URL", "Every", "Last", "24 h", ""]} items={items} loading={loading} empty="No uptime checks yet.">
        {(c) => (
              <>
                <Row>
                  <td className={`${cell} font-medium`}>{appName(c.appId)}</td>
                  <td className={`${cell} max-w-72 break-all font-mono text-xs`}>{c.url}</td>
                  <td className={`${cell} tabular-nums`}>
                    {c.intervalSec}s{!c.enabled && <span className="text-muted"> · off</span>}
                  </td>
                  <td className={`${cell} text-xs`}>
                    {c.last ? (
                      <span className="inline-flex items-center gap-1.5">
                        <StatusPill status={c.last.ok ? "up" : "down"} /> {c.last.status || ""} {c.last.ms} ms {c.last.error && <span className="text-muted">{c.last.error}</span>}
                      </span>
                    ) : (
                      <span className="text-muted">not yet</span>
                    )}
                  </td>
                  <td className={`${cell} tabular-nums`}>{c.uptimePct24h === null ? "—" : `${c.uptimePct24h.toFixed(2)}%`}</td>
                  <td className={`${cell} whitespace-nowrap text-right`}>
                    <span className="inline-flex gap-1">
                      <Button size="sm" aria-expanded={open?.id === c.id} onClick={() => void show(c)}>
                        Results
                      </Button>
                      {canChange && (
                        <Button size="sm" aria-expanded={editing === c.id} onClick={() => setEditing(editing === c.id ? null : c.id)}>
                          Edit
                        </Button>
                      )}
                      {canChange && <ConfirmButton label="Remove" title="Remove this uptime check?" description="Its results are deleted with it." onConfirm={() => void remove(c)} />}
                    </span>
                  </td>
                </Row>
                {editing === c.id && (
                  <tr>
                    <td colSpan={6} className="bg-surface px-3 py-2">
                      <UptimeEdit
                        check={c}
                        appName={appName(c.appId)}
                        onDone={(saved) => {
                          setEditing(null);
                          if (saved) void reload();
                        }}
                      />
                    </td>
                  </tr>
                )}
                {open?.id === c.id && (
                  <tr>
                    <td colSpan={6} className="bg-surface px-3 py-2">
                      <ol className="flex flex-wrap gap-0.5" aria-label="Recent results, newest first">
                        {open.results.map((r) => (
                          <li key={r.at} title={`${when(r.at)}: ${r.ok ? "up" : r.error} (${r.ms} ms)`} className={`h-5 w-1.5 rounded-sm ${r.ok ? "bg-emerald-500" : "bg-red-500"}`} />
                        ))}
                      </ol>
                    </td>
                  </tr>
                )}
              </>
        )}
      </ListTable>
    </div>
  );
}
