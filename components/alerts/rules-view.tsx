"use client";
// Alert rules: which event, for which app (or every app), to which channels, with the rule's
// threshold and timing; add, enable/disable, delete (confirmed).
import { useState } from "react";
import { toast } from "sonner";
import { ALERT_EVENT_LABELS, ALERT_EVENTS, HOST_EVENTS, type RuleView } from "@/lib/protocol/alert-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { cell, deleteItem, inputClass, LoadError, labelClass, useCreate, useList, useNames } from "./alerts-kit";
import { ChannelChoices } from "./channel-choices";
import { ConfirmButton, ListTable, Row } from "./list-table";

// Which parameters each event reads (the rest have defaults: repeat 4 h, recovery after 1-5 min).
const PARAM_HINT: Partial<Record<string, { key: "count" | "threshold" | "graceSec"; label: string; placeholder: string }>> = {
  "app.crash-loop": { key: "count", label: "Restarts in 5 min", placeholder: "5" },
  "app.traceback.spike": { key: "count", label: "Tracebacks in 5 min", placeholder: "50" },
  "app.http.5xx-rate": { key: "threshold", label: "5xx % over 5 min", placeholder: "5" },
  "app.http.p99-latency": { key: "threshold", label: "p99 ms over 2 min", placeholder: "2000" },
  "host.agent.offline": { key: "graceSec", label: "Away for (s)", placeholder: "60" },
  "host.logs.disk-full": { key: "threshold", label: "Free % below", placeholder: "5" },
};

function describeParams(r: RuleView): string {
  const p = r.params;
  const parts = [p.count !== undefined ? `count ${p.count}` : "", p.threshold !== undefined ? `threshold ${p.threshold}` : "", p.windowSec ? `window ${p.windowSec}s` : "", p.graceSec !== undefined ? `grace ${p.graceSec}s` : "", p.repeatSec ? `repeat ${p.repeatSec}s` : "", p.resolveAfterSec !== undefined ? `recover after ${p.resolveAfterSec}s` : ""];
  return parts.filter(Boolean).join(", ") || "defaults";
}

export function RulesView({ canChange }: { canChange: boolean }) {
  const { items, loading, error, reload } = useList<RuleView>("/notifications/rules");
  const { apps, channels, channelsState } = useNames();
  const [event, setEvent] = useState<string>("app.fatal");
  const { busy, fields, create: post } = useCreate<RuleView>("/notifications/rules", reload);
  const hint = PARAM_HINT[event];
  const hostEvent = (HOST_EVENTS as readonly string[]).includes(event);

  const create = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const params: Record<string, number> = {};
    if (hint && f.get("param")) params[hint.key] = Number(f.get("param"));
    if (f.get("repeatMin")) params.repeatSec = Math.round(Number(f.get("repeatMin")) * 60);
    const appId = String(f.get("appId") ?? "");
    const body = { name: f.get("name"), event, channelIds: f.getAll("channelIds"), ...(appId && !hostEvent ? { appId } : {}), params };
    await post(form, body, "Rule not added", (r) => `Rule "${r.name}" added`);
  };
  const toggle = async (r: RuleView) => {
    const res = await api(`/notifications/rules/${r.id}`, { method: "PATCH", body: { enabled: !r.enabled } });
    if (res.ok) toast.success(`Rule "${r.name}" ${r.enabled ? "disabled" : "enabled"}`);
    else toast.error("Not changed", { description: res.error.message });
    void reload();
  };
  const remove = (r: RuleView) => deleteItem(`/notifications/rules/${r.id}`, `Rule "${r.name}" deleted`, "Not deleted", reload);
  const appName = (id: string | null) => (id ? (apps.find((a) => a.id === id)?.name ?? id) : "every app");
  const channelNames = (ids: string[]) => ids.map((id) => channels.find((c) => c.id === id)?.name ?? "(deleted)").join(", ") || "none (records only)";

  return (
    <div className="space-y-4">
      <LoadError error={error} />
      {canChange && (
        <form onSubmit={create} className="grid gap-2 rounded-lg border border-line bg-panel p-3 sm:grid-cols-2 lg:grid-cols-4" aria-label="Add a rule">
          <label className={labelClass}>
            Name
            <input name="name" required maxLength={100} placeholder="shop is down" className={`${inputClass} mt-0.5 block w-full`} />
          </label>
          <label className={labelClass}>
            Event
            <select value={event} onChange={(e) => setEvent(e.target.value)} className={`${inputClass} mt-0.5 block w-full`}>
              {ALERT_EVENTS.map((ev) => (
                <option key={ev} value={ev}>
                  {ALERT_EVENT_LABELS[ev]}
                </option>
              ))}
            </select>
          </label>
          <label className={labelClass}>
            App
            <select name="appId" disabled={hostEvent} className={`${inputClass} mt-0.5 block w-full`}>
              <option value="">{hostEvent ? "every host" : "every app"}</option>
              {apps.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <fieldset className={labelClass}>
            <legend>Channels</legend>
            <ChannelChoices channels={channels} state={channelsState} />
          </fieldset>
          {hint && (
            <label className={labelClass}>
              {hint.label}
              <input name="param" type="number" min={0} step="any" placeholder={hint.placeholder} className={`${inputClass} mt-0.5 block w-full`} />
            </label>
          )}
          <label className={labelClass}>
            Repeat while firing (min)
            <input name="repeatMin" type="number" min={1} placeholder="240" className={`${inputClass} mt-0.5 block w-full`} />
          </label>
          <div className="flex items-end">
            <Button type="submit" variant="primary" busy={busy}>
              Add rule
            </Button>
          </div>
          <FieldErrors errors={fields} className="sm:col-span-2 lg:col-span-4" />
        </form>
      )}
      <ListTable label="Rules" columns={["Name", "Event", "For", "Channels", "Settings", "State", ""]} items={items} loading={loading} empty={'No rules yet: nobody is told when an app breaks. Add one for "App FATAL" first.'}>
        {(r) => (
              <Row>
                <td className={`${cell} font-medium`}>{r.name}</td>
                <td className={cell}>
                  <span title={r.event}>{ALERT_EVENT_LABELS[r.event]}</span>
                </td>
                <td className={cell}>{(HOST_EVENTS as readonly string[]).includes(r.event) ? "every host" : appName(r.appId)}</td>
                <td className={`${cell} text-xs`}>{channelNames(r.channelIds)}</td>
                <td className={`${cell} text-xs text-muted`}>{describeParams(r)}</td>
                <td className={cell}>{r.enabled ? "on" : <span className="text-muted">off</span>}</td>
                <td className={`${cell} whitespace-nowrap text-right`}>
                  {canChange && (
                    <span className="inline-flex gap-1">
                      <Button size="sm" onClick={() => void toggle(r)}>
                        {r.enabled ? "Disable" : "Enable"}
                      </Button>
                      <ConfirmButton label="Delete" title={`Delete "${r.name}"?`} description="Its alerts are forgotten; nothing more is sent for it." onConfirm={() => void remove(r)} />
                    </span>
                  )}
                </td>
              </Row>
        )}
      </ListTable>
    </div>
  );
}
