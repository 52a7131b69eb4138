// Where a user the owner's second-factor rule holds back lands: set it up, or log out. Nothing else opens until then.
import { AuthCard } from "@/components/auth/auth-card";
import { EnrolGate } from "@/components/auth/enrol-gate";
import { pageUser } from "@/lib/auth/page-user";

export const dynamic = "force-dynamic";

export default async function TwoFactorPage() {
  const user = await pageUser({ enrolment: true });
  return (
    <AuthCard title="Set up two-factor sign-in" subtitle={`Signed in as ${user.email}. The owner requires a second factor for your role.`}>
      <EnrolGate />
    </AuthCard>
  );
}
