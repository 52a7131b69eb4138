"use client";
// Link single sign-on to this account: the only way a password account gets an SSO identity (a
// first SSO login with the same email is refused, so nobody else's IdP account can take it over).
import { useEffect } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";

const RESULTS: Record<string, string> = {
  linked: "Single sign-on is linked: you can now sign in with it.",
  "sso-identity-taken": "That single sign-on identity is already linked to another Stoker account.",
  "sso-expired": "The link expired or this browser was signed out meanwhile; start again.",
};

export function SsoLink() {
  useEffect(() => {
    const result = new URLSearchParams(window.location.search).get("sso");
    if (!result) return;
    if (result === "linked") toast.success(RESULTS.linked);
    else toast.error("Single sign-on not linked", { description: RESULTS[result] ?? "The identity provider's answer could not be used; start again." });
  }, []);
  const link = async () => {
    const r = await api<{ location: string }>("/auth/oidc/link", { method: "POST" });
    if (!r.ok) return toast.error("Cannot link single sign-on", { description: r.error.message });
    window.location.assign(r.value.location);
  };
  return (
    <section className="space-y-2 rounded-lg border border-line bg-panel p-4">
      <h2 className="font-semibold">Single sign-on</h2>
      <p className="text-xs text-muted">Sign in with your identity provider instead of a password. Linking sends you there once and back.</p>
      <Button onClick={link}>Link single sign-on</Button>
    </section>
  );
}
