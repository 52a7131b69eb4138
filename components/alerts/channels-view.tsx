"use client";
// Notification channels: add (webhook, Slack, e-mail), send a test, rotate a webhook's secret, delete
// (confirmed). A webhook's secret is shown once, to give to the receiver that verifies signatures.
import { Copy } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import type { ChannelView } from "@/lib/protocol/alert-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { FieldErrors } from "../ui/field-errors";
import { cell, deleteItem, inputClass, LoadError, labelClass, useCreate, useList } from "./alerts-kit";
import { ConfirmButton, ListTable, Row } from "./list-table";
import { LocalTime } from "../ui/local-time";

export function ChannelsView({ canChange }: { canChange: boolean }) {
  const { items, loading, error, reload } = useList<ChannelView>("/notifications/channels");
  const [kind, setKind] = useState("webhook");
  const { busy, fields, create: post } = useCreate<ChannelView>("/notifications/channels", reload);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);

  const create = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const target = String(f.get("target") ?? "").trim();
    const body = { name: f.get("name"), kind, ...(kind === "email" ? { to: target.split(/[\s,]+/).filter(Boolean) } : { url: target }) };
    const created = await post(form, body, "Channel not added", (c) => `Channel "${c.name}" added`);
    if (created?.secret) setSecret({ name: created.name, secret: created.secret });
  };
  const test = async (c: ChannelView) => {
    const r = await api<{ sent: boolean; attempts: number; error: string }>(`/notifications/channels/${c.id}/test`, { method: "POST" });
    if (!r.ok) return toast.error("Test not sent", { description: r.error.message });
    if (r.value.sent) toast.success(`Test message sent to "${c.name}"`);
    else toast.error(`"${c.name}" did not take the test message`, { description: `${r.value.error} (${r.value.attempts} attempt(s))` });
  };
  const rotate = async (c: ChannelView) => {
    const r = await api<ChannelView>(`/notifications/channels/${c.id}`, { method: "PATCH", body: { rotateSecret: true } });
    if (!r.ok) return toast.error("Secret not rotated", { description: r.error.message });
    if (r.value.secret) setSecret({ name: c.name, secret: r.value.secret });
    toast.success(`New secret for "${c.name}"`);
  };
  const remove = (c: ChannelView) => deleteItem(`/notifications/channels/${c.id}`, `Channel "${c.name}" deleted`, "Not deleted", reload);

  return (
    <div className="space-y-4">
      <LoadError error={error} />
      {canChange && (
        <form onSubmit={create} className="flex flex-wrap items-end gap-2 rounded-lg border border-line bg-panel p-3" aria-label="Add a channel">
          <label className={labelClass}>
            Name
            <input name="name" required maxLength={100} placeholder="ops on-call" className={`${inputClass} mt-0.5 block`} />
          </label>
          <label className={labelClass}>
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value)} className={`${inputClass} mt-0.5 block`}>
              <option value="webhook">Webhook (signed JSON)</option>
              <option value="slack">Slack incoming webhook</option>
              <option value="email">E-mail</option>
            </select>
          </label>
          <label className={`${labelClass} min-w-56 flex-1`}>
            {kind === "email" ? "Addresses (comma-separated)" : "URL"}
            <input name="target" required placeholder={kind === "email" ? "oncall@example.com" : kind === "slack" ? "https://hooks.slack.com/services/…" : "https://relay.example.com/stoker"} className={`${inputClass} mt-0.5 block w-full`} />
          </label>
          <Button type="submit" variant="primary" busy={busy}>
            Add channel
          </Button>
          <FieldErrors errors={fields} className="w-full" />
        </form>
      )}
      {secret && (
        <div role="status" className="rounded-lg border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950">
          <p className="mb-1 font-medium">Signing secret of "{secret.name}": shown only now. The receiver checks X-Stoker-Signature-256 = sha256=HMAC-SHA256(secret, raw body).</p>
          <div className="flex items-center gap-2">
            <code className="flex-1 break-all font-mono text-xs" data-testid="channel-secret">
              {secret.secret}
            </code>
            <Button size="sm" aria-label="Copy secret" onClick={() => void navigator.clipboard?.writeText(secret.secret).then(() => toast.success("Secret copied"))}>
              <Copy className="size-3.5" />
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setSecret(null)}>
              Done
            </Button>
          </div>
        </div>
      )}
      <ListTable label="Channels" columns={["Name", "Kind", "Destination", "Added", ""]} items={items} loading={loading} empty="No channels yet. Add a webhook, a Slack incoming webhook or an e-mail address.">
        {(c) => (
              <Row>
                <td className={`${cell} font-medium`}>{c.name}</td>
                <td className={cell}>{c.kind}</td>
                <td className={`${cell} max-w-72 break-all font-mono text-xs`}>{c.kind === "email" ? c.to.join(", ") : c.url}</td>
                <td className={`${cell} whitespace-nowrap text-xs`}><LocalTime value={c.createdAt} format="date" /></td>
                <td className={`${cell} whitespace-nowrap text-right`}>
                  {canChange && (
                    <span className="inline-flex gap-1">
                      <Button size="sm" onClick={() => void test(c)}>
                        Send test
                      </Button>
                      {c.kind === "webhook" && (
                        <ConfirmDialog title={`New secret for "${c.name}"?`} description="The old secret stops working at once: update the receiver with the new one." confirmLabel="Rotate" onConfirm={() => void rotate(c)} trigger={<Button size="sm">Rotate secret</Button>} />
                      )}
                      <ConfirmButton label="Delete" title={`Delete "${c.name}"?`} description="Rules that send to it keep their other channels; a rule left with none only records." onConfirm={() => void remove(c)} />
                    </span>
                  )}
                </td>
              </Row>
        )}
      </ListTable>
    </div>
  );
}
