"use client";
// Silences and maintenance windows: an app, a host or a rule, for a period (from now for N hours,
// or between two times), nightly (a daily UTC range, maybe on some weekdays), or until removed.
import { useState } from "react";
import type { RuleView, SilenceView } from "@/lib/protocol/alert-messages";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { cell, deleteItem, inputClass, LoadError, labelClass, StatusPill, useCreate, useList, useNames, when } from "./alerts-kit";
import { ConfirmButton, ListTable, Row } from "./list-table";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function describeWindow(s: SilenceView): string {
  if (s.daily) return `daily ${s.daily} UTC${s.days.length ? ` on ${s.days.map((d) => DAYS[d]).join(", ")}` : ""}${s.endsAt ? ` until ${when(s.endsAt)}` : ""}`;
  if (!s.startsAt && !s.endsAt) return "until removed";
  return `${when(s.startsAt)} → ${when(s.endsAt)}`;
}

export function SilencesView({ canChange }: { canChange: boolean }) {
  const { items, loading, error, reload } = useList<SilenceView>("/notifications/silences");
  const { apps, hosts } = useNames();
  const rules = useList<RuleView>("/notifications/rules").items;
  const [scope, setScope] = useState<"app" | "host" | "rule">("app");
  const [mode, setMode] = useState<"hours" | "daily" | "forever">("hours");
  const { busy, fields, create: post } = useCreate<SilenceView>("/notifications/silences", reload);
  const targets = scope === "app" ? apps : scope === "host" ? hosts : rules;

  const create = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const now = Date.now();
    const period = mode === "hours" ? { startsAt: new Date(now).toISOString(), endsAt: new Date(now + Number(f.get("hours")) * 3600_000).toISOString() } : {};
    const daily = mode === "daily" ? { daily: `${f.get("from")}-${f.get("to")}`, ...(f.getAll("days").length ? { days: f.getAll("days").map(Number) } : {}) } : {};
    const body = { name: f.get("name"), scope, targetId: f.get("targetId"), ...period, ...daily };
    await post(form, body, "Silence not added", (s) => `"${s.name}" silences ${s.targetName}`);
  };
  const remove = (s: SilenceView) => deleteItem(`/notifications/silences/${s.id}`, `Silence "${s.name}" ended`, "Not ended", reload);

  return (
    <div className="space-y-4">
      <LoadError error={error} />
      <p className="text-sm text-muted">Inside a silence alerts are recorded in the history, not sent. An alert still firing when the silence ends is sent once then.</p>
      {canChange && (
        <form onSubmit={create} className="grid gap-2 rounded-lg border border-line bg-panel p-3 sm:grid-cols-2 lg:grid-cols-4" aria-label="Add a silence">
          <label className={labelClass}>
            Name
            <input name="name" required maxLength={100} placeholder="nightly backup" className={`${inputClass} mt-0.5 block w-full`} />
          </label>
          <label className={labelClass}>
            Silence
            <select value={scope} onChange={(e) => setScope(e.target.value as typeof scope)} className={`${inputClass} mt-0.5 block w-full`}>
              <option value="app">an app</option>
              <option value="host">a host (all its apps)</option>
              <option value="rule">a rule</option>
            </select>
          </label>
          <label className={labelClass}>
            Which
            <select name="targetId" required className={`${inputClass} mt-0.5 block w-full`}>
              {targets.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label className={labelClass}>
            When
            <select value={mode} onChange={(e) => setMode(e.target.value as typeof mode)} className={`${inputClass} mt-0.5 block w-full`}>
              <option value="hours">from now, for some hours</option>
              <option value="daily">every day (maintenance window)</option>
              <option value="forever">until removed (mute)</option>
            </select>
          </label>
          {mode === "hours" && (
            <label className={labelClass}>
              Hours
              <input name="hours" type="number" min={0.1} step="any" defaultValue={2} required className={`${inputClass} mt-0.5 block w-full`} />
            </label>
          )}
          {mode === "daily" && (
            <>
              <label className={labelClass}>
                From (UTC)
                <input name="from" type="time" required defaultValue="02:00" className={`${inputClass} mt-0.5 block w-full`} />
              </label>
              <label className={labelClass}>
                To (UTC)
                <input name="to" type="time" required defaultValue="03:00" className={`${inputClass} mt-0.5 block w-full`} />
              </label>
              <fieldset className={labelClass}>
                <legend>Days (none: every day)</legend>
                <div className="mt-0.5 flex flex-wrap gap-2 text-sm text-ink">
                  {DAYS.map((d, i) => (
                    <label key={d} className="inline-flex items-center gap-1">
                      <input type="checkbox" name="days" value={i} /> {d}
                    </label>
                  ))}
                </div>
              </fieldset>
            </>
          )}
          <div className="flex items-end">
            <Button type="submit" variant="primary" busy={busy}>
              Add silence
            </Button>
          </div>
          <FieldErrors errors={fields} className="sm:col-span-2 lg:col-span-4" />
        </form>
      )}
      <ListTable label="Silences" columns={["Name", "Silences", "When", "Now", "By", ""]} items={items} loading={loading} empty="No silences. Add one before planned work so nobody is paged for it.">
        {(s) => (
              <Row>
                <td className={`${cell} font-medium`}>{s.name}</td>
                <td className={cell}>
                  <span className="text-muted">{s.scope}</span> {s.targetName}
                </td>
                <td className={`${cell} text-xs`}>{describeWindow(s)}</td>
                <td className={cell}>{s.active ? <StatusPill status="active" /> : <span className="text-xs text-muted">not now</span>}</td>
                <td className={`${cell} text-xs`}>{s.createdBy}</td>
                <td className={`${cell} text-right`}>
                  {canChange && <ConfirmButton label="End" confirmLabel="End silence" title={`End "${s.name}"?`} description="Alerts it holds back that still fire are sent at once." onConfirm={() => void remove(s)} />}
                </td>
              </Row>
        )}
      </ListTable>
    </div>
  );
}
