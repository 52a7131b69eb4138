// Accept an invitation: shows who it is for, then asks for a password.
import { AcceptInviteForm } from "@/components/auth/accept-invite-form";
import { AuthCard } from "@/components/auth/auth-card";
import { describeInvite } from "@/lib/auth/invites";

export const dynamic = "force-dynamic";

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await describeInvite(token);
  if (!invite.ok) {
    return (
      <AuthCard title="Invitation not valid" subtitle={invite.message}>
        <a href="./../login" className="text-accent underline">
          Go to login
        </a>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Join Stoker" subtitle={`You were invited as ${invite.value.role}. Choose a password.`}>
      <AcceptInviteForm token={token} email={invite.value.email} />
    </AuthCard>
  );
}
