// The login's second step for an account with a second factor (the password step set a 5-minute pending cookie).
import { AuthCard } from "@/components/auth/auth-card";
import { SecondFactorForm } from "@/components/auth/second-factor-form";

export const dynamic = "force-dynamic";

export default function SecondFactorPage() {
  return (
    <AuthCard title="Two-factor sign-in" subtitle="Enter the code your authenticator app shows, or one of your recovery codes.">
      <SecondFactorForm />
    </AuthCard>
  );
}
