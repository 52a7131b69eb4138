"use client";
// My account: change password, see sessions, log out everywhere.
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { SsoLink } from "./sso-link";
import { LocalTime } from "../ui/local-time";

type Session = { id: string; createdAt: string; lastSeenAt: string; ip: string; userAgent: string; current: boolean };

export function AccountView() {
  const router = useRouter();
  const [sessions, setSessions] = useState<Session[]>([]);
  const load = useCallback(async () => {
    const r = await api<Session[]>("/auth/sessions");
    if (r.ok) setSessions(r.value);
  }, []);
  useEffect(() => void load(), [load]);
  const change = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const r = await api("/auth/password", { method: "POST", body: { current: f.get("current"), next: f.get("next") } });
    if (!r.ok) return toast.error("Password not changed", { description: r.error.fields?.[0]?.message ?? r.error.message });
    toast.success("Password changed; your other sessions were ended");
    form.reset();
    void load();
  };
  const everywhere = async () => {
    await api("/auth/logout-everywhere", { method: "POST" });
    router.push("/login");
  };
  const input = "mt-0.5 block h-8 w-64 rounded-md border border-line bg-surface px-2 text-sm text-ink outline-none focus:border-accent";
  return (
    <div className="space-y-6">
      <form onSubmit={change} className="space-y-2 rounded-lg border border-line bg-panel p-4">
        <h2 className="font-semibold">Change password</h2>
        <label className="block text-xs text-muted">
          Current password
          <input name="current" type="password" required autoComplete="current-password" className={input} />
        </label>
        <label className="block text-xs text-muted">
          New password (at least 10 characters)
          <input name="next" type="password" required minLength={10} autoComplete="new-password" className={input} />
        </label>
        <Button type="submit" variant="primary">
          Change password
        </Button>
      </form>
      <SsoLink />
      <section className="rounded-lg border border-line bg-panel p-4">
        <div className="mb-2 flex items-center justify-between">
          <h2 className="font-semibold">Sessions</h2>
          <ConfirmDialog title="Log out everywhere?" description="Every browser session of yours ends, this one included." confirmLabel="Log out everywhere" onConfirm={everywhere} trigger={<Button variant="danger">Log out everywhere</Button>} />
        </div>
        <ul className="divide-y divide-line text-xs">
          {sessions.map((s) => (
            <li key={s.id} className="py-2">
              <span className="font-medium">{s.userAgent.slice(0, 90) || "unknown browser"}</span> {s.current && <span className="ml-1 rounded bg-surface px-1">this session</span>}
              <div className="text-muted">
                {s.ip || "local"} · since <LocalTime value={s.createdAt} /> · last seen <LocalTime value={s.lastSeenAt} />
              </div>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
