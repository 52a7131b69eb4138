"use client";
// Email + password form used by login and first-run setup.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "../api-client";
import { Button } from "../ui/button";

type Props = { endpoint: "/auth/login" | "/auth/setup"; submitLabel: string; newPassword?: boolean };

export function CredentialsForm({ endpoint, submitLabel, newPassword }: Props) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const r = await api<{ secondFactor?: string }>(endpoint, { method: "POST", body: { email: form.get("email"), password: form.get("password") } });
    setBusy(false);
    if (!r.ok) return setError(r.error.fields?.map((f) => `${f.path}: ${f.message}`).join(" ") || r.error.message);
    // The password was right; the account also has a second factor (the pending token is a cookie).
    if (r.value.secondFactor) return router.push("/login/second-factor");
    router.push("/");
    router.refresh();
  };
  const input = "mt-1 block w-full rounded-md border border-line bg-surface px-2.5 py-1.5 outline-none focus:border-accent";
  return (
    <form onSubmit={submit} className="space-y-3">
      <label className="block">
        <span className="text-xs font-medium text-muted">Email</span>
        <input name="email" type="email" required autoComplete="username" className={input} />
      </label>
      <label className="block">
        <span className="text-xs font-medium text-muted">Password{newPassword ? " (at least 10 characters)" : ""}</span>
        <input name="password" type="password" required minLength={newPassword ? 10 : 1} autoComplete={newPassword ? "new-password" : "current-password"} className={input} />
      </label>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-2.5 py-1.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">
          {error}
        </p>
      )}
      <Button type="submit" variant="primary" busy={busy} className="w-full">
        {submitLabel}
      </Button>
    </form>
  );
}
