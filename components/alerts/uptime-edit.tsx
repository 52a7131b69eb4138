"use client";
// Edit form for an app's one uptime check, under its row: URL, interval, timeout, expected status,
// on/off. A PATCH: an app has one check, so changing it never goes through "add" (issue 19).
import { useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { FieldErrors } from "../ui/field-errors";
import { inputClass, labelClass } from "./alerts-kit";

export type UptimeCheckRow = { id: string; appId: string; url: string; intervalSec: number; timeoutMs: number; expect: number; enabled: boolean };

export function UptimeEdit({ check, appName, onDone }: { check: UptimeCheckRow; appName: string; onDone: (saved: boolean) => void }) {
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<{ path: string; message: string }[]>([]);
  const save = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = { url: f.get("url"), intervalSec: Number(f.get("intervalSec")), timeoutMs: Number(f.get("timeoutMs")), expect: Number(f.get("expect") || 0), enabled: f.get("enabled") === "on" };
    setBusy(true);
    const r = await api(`/notifications/uptime-checks/${check.id}`, { method: "PATCH", body });
    setBusy(false);
    if (!r.ok) {
      setFields(r.error.fields ?? []);
      toast.error("Check not changed", { description: r.error.message });
      return;
    }
    toast.success(`Uptime check of ${appName} changed; next result within one interval`);
    onDone(true);
  };
  return (
    <form onSubmit={save} className="flex flex-wrap items-end gap-2" aria-label={`Edit the uptime check of ${appName}`}>
      <label className={`${labelClass} min-w-56 flex-1`}>
        URL
        <input name="url" required defaultValue={check.url} className={`${inputClass} mt-0.5 block w-full`} />
      </label>
      <label className={labelClass}>
        Every (s)
        <input name="intervalSec" type="number" min={5} required defaultValue={check.intervalSec} className={`${inputClass} mt-0.5 block w-24`} />
      </label>
      <label className={labelClass}>
        Timeout (ms)
        <input name="timeoutMs" type="number" min={100} max={60000} required defaultValue={check.timeoutMs} className={`${inputClass} mt-0.5 block w-24`} />
      </label>
      <label className={labelClass}>
        Expect status
        <input name="expect" type="number" min={100} max={599} placeholder="2xx/3xx" defaultValue={check.expect || ""} className={`${inputClass} mt-0.5 block w-24`} />
      </label>
      <label className="inline-flex h-8 items-center gap-1 text-sm text-ink">
        <input name="enabled" type="checkbox" defaultChecked={check.enabled} /> On
      </label>
      <Button type="submit" variant="primary" busy={busy}>
        Save changes
      </Button>
      <Button onClick={() => onDone(false)}>Cancel</Button>
      <FieldErrors errors={fields} className="w-full" />
    </form>
  );
}
