// Log in: single sign-on when configured, then email + password. An empty database goes to /setup instead.
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { CredentialsForm } from "@/components/auth/credentials-form";
import { LoginError, SsoSignIn } from "@/components/auth/sso-sign-in";
import { oidcStatus } from "@/lib/auth/oidc";
import { oidcErrorMessage } from "@/lib/auth/oidc-errors";
import { hasAnyUser } from "@/lib/auth/users";
import { config } from "@/lib/config";

export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!(await hasAnyUser())) redirect("/setup");
  const { error } = await searchParams;
  const sso = oidcStatus();
  return (
    <AuthCard title="Log in" subtitle="Control plane for your FastCGI apps.">
      <LoginError message={oidcErrorMessage(typeof error === "string" ? error : undefined)} />
      <SsoSignIn href={`${config.basePath}/api/v1/auth/oidc/start`} label={sso.label} enabled={sso.enabled} />
      <CredentialsForm endpoint="/auth/login" submitLabel="Log in" />
    </AuthCard>
  );
}
