"use client";
// Users: invite by email with a role (the link is shown once), change roles, remove (confirmed).
import { Copy } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { TableHead } from "../ui/table-head";
import { LocalTime } from "../ui/local-time";

type User = { id: string; email: string; role: string; createdAt: string; lastSeenAt: string | null; locked: boolean };
const ROLES = ["viewer", "operator", "admin", "owner"];

export function UsersView({ myRole, myId }: { myRole: string; myId: string }) {
  const [users, setUsers] = useState<User[]>([]);
  const [link, setLink] = useState<string | null>(null);
  const load = useCallback(async () => {
    const r = await api<User[]>("/users");
    if (r.ok) setUsers(r.value);
  }, []);
  useEffect(() => void load(), [load]);
  const grantable = ROLES.slice(0, ROLES.indexOf(myRole) + 1);
  const invite = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const r = await api<{ token: string }>("/users/invites", { method: "POST", body: { email: f.get("email"), role: f.get("role") } });
    if (!r.ok) return toast.error("Invitation not created", { description: r.error.message });
    setLink(`${location.origin}${process.env.NEXT_PUBLIC_BASE_PATH ?? ""}/invite/${r.value.token}`);
  };
  const setRole = async (u: User, role: string) => {
    const r = await api(`/users/${u.id}`, { method: "PATCH", body: { role } });
    if (r.ok) toast.success(`${u.email} is now ${role}`);
    else toast.error("Role not changed", { description: r.error.message });
    void load();
  };
  const remove = async (u: User) => {
    const r = await api(`/users/${u.id}`, { method: "DELETE" });
    if (r.ok) toast.success(`${u.email} removed`);
    else toast.error("Not removed", { description: r.error.message });
    void load();
  };
  const input = "h-8 rounded-md border border-line bg-surface px-2 outline-none focus:border-accent";
  return (
    <div className="space-y-4">
      <form onSubmit={invite} className="flex flex-wrap items-end gap-2 rounded-lg border border-line bg-panel p-3">
        <label className="text-xs text-muted">
          Email
          <input name="email" type="email" required className={`${input} mt-0.5 block w-64 text-sm text-ink`} />
        </label>
        <label className="text-xs text-muted">
          Role
          <select name="role" defaultValue="operator" className={`${input} mt-0.5 block text-sm text-ink`}>
            {grantable.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <Button type="submit" variant="primary">
          Create invitation
        </Button>
        <p className="w-full text-xs text-muted">Viewer: read everything but secrets. Operator: restart, logs, test requests, debug as the app's user. Admin: change apps and configs, hosts, users. Owner: everything.</p>
      </form>
      {link && (
        <div role="status" className="rounded-lg border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950">
          <p className="mb-1 font-medium">Send this link to the invitee (one use, valid 7 days):</p>
          <div className="flex items-center gap-2">
            <code className="flex-1 break-all text-xs" data-testid="invite-link">
              {link}
            </code>
            <Button size="sm" aria-label="Copy link" onClick={() => void navigator.clipboard?.writeText(link).then(() => toast.success("Link copied"))}>
              <Copy className="size-3.5" />
            </Button>
          </div>
        </div>
      )}
      <table className="w-full rounded-lg border border-line bg-panel text-left" data-testid="users-table">
        <TableHead columns={["Email", "Role", "Joined", "Last seen", ""]} />
        <tbody>
          {users.map((u) => (
            <tr key={u.id} className="border-t border-line/60" data-email={u.email}>
              <td className="px-3 py-2">
                {u.email} {u.locked && <span className="ml-1 text-xs text-red-600">locked</span>}
              </td>
              <td className="px-3 py-2">
                <select aria-label={`Role of ${u.email}`} value={u.role} disabled={u.id === myId} onChange={(e) => setRole(u, e.target.value)} className={input}>
                  {ROLES.map((r) => (
                    <option key={r} disabled={!grantable.includes(r)}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td className="px-3 py-2 text-xs"><LocalTime value={u.createdAt} format="date" /></td>
              <td className="px-3 py-2 text-xs">{u.lastSeenAt ? <LocalTime value={u.lastSeenAt} /> : "never"}</td>
              <td className="px-3 py-2 text-right">
                {u.id !== myId && <ConfirmDialog title={`Remove ${u.email}?`} description="Their sessions and API tokens stop working at once." confirmLabel="Remove" onConfirm={() => remove(u)} trigger={<Button size="sm" variant="danger">Remove</Button>} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
