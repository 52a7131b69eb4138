// Log in. An empty database goes to /setup instead.
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { CredentialsForm } from "@/components/auth/credentials-form";
import { hasAnyUser } from "@/lib/auth/users";

export const dynamic = "force-dynamic";

export default async function LoginPage() {
  if (!(await hasAnyUser())) redirect("/setup");
  return (
    <AuthCard title="Log in" subtitle="Control plane for your FastCGI apps.">
      <CredentialsForm endpoint="/auth/login" submitLabel="Log in" />
    </AuthCard>
  );
}
