// First run: create the owner account. Gone once any account exists.
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { CredentialsForm } from "@/components/auth/credentials-form";
import { hasAnyUser } from "@/lib/auth/users";

export const dynamic = "force-dynamic";

export default async function SetupPage() {
  if (await hasAnyUser()) redirect("/login");
  return (
    <AuthCard title="Create the owner account" subtitle="This account can do everything, including managing other users.">
      <CredentialsForm endpoint="/auth/setup" submitLabel="Create account" newPassword />
    </AuthCard>
  );
}
