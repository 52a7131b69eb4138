"use client";
// The owner's switch: every account above viewer must sign in with a second factor.
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";

export function TwoFactorPolicy({ canChange }: { canChange: boolean }) {
  const [required, setRequired] = useState<boolean | null>(null);
  const load = useCallback(async () => {
    const r = await api<{ required: boolean }>("/auth/two-factor-policy");
    if (r.ok) setRequired(r.value.required);
  }, []);
  useEffect(() => void load(), [load]);
  const change = async (next: boolean) => {
    const r = await api<{ required: boolean }>("/auth/two-factor-policy", { method: "PUT", body: { required: next } });
    if (!r.ok) return toast.error("Not changed", { description: r.error.message });
    setRequired(r.value.required);
    toast.success(next ? "A second factor is now required above viewer" : "A second factor is no longer required");
  };
  if (required === null) return null;
  return (
    <section className="mb-6 rounded-lg border border-line bg-panel p-4">
      <label className="flex items-center gap-2 font-medium">
        <input type="checkbox" checked={required} disabled={!canChange} onChange={(e) => void change(e.target.checked)} className="size-4 accent-[var(--accent)]" />
        Require two-factor sign-in for operators, admins and owners
      </label>
      <p className="mt-1 text-xs text-muted">
        Password accounts without it are sent to set it up and can do nothing else until they do. Single sign-on accounts (their identity provider does MFA) and API tokens are not affected.
        {canChange ? "" : " Only the owner can change this."}
      </p>
    </section>
  );
}
