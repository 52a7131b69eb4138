"use client";
// The login's second step: a code from the authenticator app, or a recovery code.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "../api-client";
import { Button } from "../ui/button";

export function SecondFactorForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget).get("code") ?? "");
    setBusy(true);
    setError(null);
    const r = await api("/auth/login/second-factor", { method: "POST", body: { code } });
    setBusy(false);
    if (!r.ok) {
      if (r.error.code === "UNAUTHORIZED" && /expired/.test(r.error.message)) return router.push("/login");
      return setError(r.error.message);
    }
    router.push("/");
    router.refresh();
  };
  return (
    <form onSubmit={submit} className="space-y-3">
      <label className="block">
        <span className="text-xs font-medium text-muted">Code from your authenticator app, or a recovery code</span>
        {/* biome-ignore lint/a11y/noAutofocus: the one field of this step */}
        <input name="code" required autoFocus minLength={6} maxLength={32} inputMode="text" autoComplete="one-time-code" className="mt-1 block w-full rounded-md border border-line bg-surface px-2.5 py-1.5 font-mono outline-none focus:border-accent" />
      </label>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-2.5 py-1.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">
          {error}
        </p>
      )}
      <Button type="submit" variant="primary" busy={busy} className="w-full">
        Verify
      </Button>
    </form>
  );
}
