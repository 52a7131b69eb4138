"use client";
// Set a password to accept an invitation; logs in on success.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "../api-client";
import { Button } from "../ui/button";

export function AcceptInviteForm({ token, email }: { token: string; email: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    const r = await api("/invites/accept", { method: "POST", body: { token, password: new FormData(e.currentTarget).get("password") } });
    setBusy(false);
    if (!r.ok) return setError(r.error.fields?.[0]?.message ?? r.error.message);
    router.push("/");
    router.refresh();
  };
  return (
    <form onSubmit={submit} className="space-y-3">
      <p className="text-xs text-muted">Account: {email}</p>
      <label className="block">
        <span className="text-xs font-medium text-muted">Password (at least 10 characters)</span>
        <input name="password" type="password" required minLength={10} autoComplete="new-password" className="mt-1 block w-full rounded-md border border-line bg-surface px-2.5 py-1.5 outline-none focus:border-accent" />
      </label>
      {error && <p role="alert" className="rounded-md bg-red-50 px-2.5 py-1.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">{error}</p>}
      <Button type="submit" variant="primary" busy={busy} className="w-full">
        Join
      </Button>
    </form>
  );
}
