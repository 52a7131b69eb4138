"use client";
// API tokens: create (shown once), list with last use, revoke (confirmed).
import { Copy } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { TableHead } from "../ui/table-head";
import { LocalTime } from "../ui/local-time";

type Token = { id: string; name: string; role: string; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null };
const ROLES = ["viewer", "operator", "admin", "owner"];

export function TokensView({ myRole }: { myRole: string }) {
  const [tokens, setTokens] = useState<Token[]>([]);
  const [shown, setShown] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    const r = await api<Token[]>("/tokens");
    if (r.ok) setTokens(r.value);
  }, []);
  useEffect(() => void load(), [load]);
  const create = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const days = Number(f.get("days"));
    setBusy(true);
    const r = await api<{ token: string }>("/tokens", { method: "POST", body: { name: f.get("name"), role: f.get("role"), ...(days ? { expiresInDays: days } : {}) } });
    setBusy(false);
    if (!r.ok) return toast.error("Token not created", { description: r.error.message });
    setShown(r.value.token);
    void load();
  };
  const revoke = async (t: Token) => {
    const r = await api(`/tokens/${t.id}`, { method: "DELETE" });
    if (r.ok) toast.success(`Token "${t.name}" revoked`);
    else toast.error("Not revoked", { description: r.error.message });
    void load();
  };
  const input = "h-8 rounded-md border border-line bg-surface px-2 outline-none focus:border-accent";
  const allowed = ROLES.slice(0, ROLES.indexOf(myRole) + 1);
  return (
    <div className="space-y-4">
      <form onSubmit={create} className="flex flex-wrap items-end gap-2 rounded-lg border border-line bg-panel p-3">
        <label className="text-xs text-muted">
          Name
          <input name="name" required maxLength={80} placeholder="ci-deploy" className={`${input} mt-0.5 block text-sm text-ink`} />
        </label>
        <label className="text-xs text-muted">
          Role
          <select name="role" defaultValue={myRole} className={`${input} mt-0.5 block text-sm text-ink`}>
            {allowed.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="text-xs text-muted">
          Expires in (days, empty = never)
          <input name="days" type="number" min={1} max={3650} className={`${input} mt-0.5 block w-28 text-sm text-ink`} />
        </label>
        <Button type="submit" variant="primary" busy={busy}>
          Create token
        </Button>
      </form>
      {shown && (
        <div role="status" className="rounded-lg border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950">
          <p className="mb-1 font-medium">Copy this token now: it is shown only once.</p>
          <div className="flex items-center gap-2">
            <code className="flex-1 break-all font-mono text-xs" data-testid="new-token">
              {shown}
            </code>
            <Button size="sm" onClick={() => void navigator.clipboard?.writeText(shown).then(() => toast.success("Token copied"))} aria-label="Copy token">
              <Copy className="size-3.5" />
            </Button>
          </div>
        </div>
      )}
      <table className="w-full rounded-lg border border-line bg-panel text-left">
        <TableHead columns={["Name", "Role", "Created", "Expires", "Last used", ""]} />
        <tbody>
          {tokens.length === 0 && (
            <tr>
              <td colSpan={6} className="px-3 py-4 text-center text-muted">
                No tokens yet. Scripts and the CLI authenticate with one.
              </td>
            </tr>
          )}
          {tokens.map((t) => (
            <tr key={t.id} className="border-t border-line/60">
              <td className="px-3 py-2 font-medium">{t.name}</td>
              <td className="px-3 py-2">{t.role}</td>
              <td className="px-3 py-2 text-xs"><LocalTime value={t.createdAt} format="date" /></td>
              <td className="px-3 py-2 text-xs">{t.expiresAt ? <LocalTime value={t.expiresAt} format="date" /> : "never"}</td>
              <td className="px-3 py-2 text-xs">{t.lastUsedAt ? <LocalTime value={t.lastUsedAt} /> : "never"}</td>
              <td className="px-3 py-2 text-right">
                {t.revokedAt ? (
                  <span className="text-xs text-muted">revoked</span>
                ) : (
                  <ConfirmDialog title={`Revoke "${t.name}"?`} description="Scripts using it stop working at once." confirmLabel="Revoke" onConfirm={() => revoke(t)} trigger={<Button size="sm" variant="danger">Revoke</Button>} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
