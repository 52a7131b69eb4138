// Users and invitations (admins).
import { TwoFactorPolicy } from "@/components/settings/two-factor-policy";
import { UsersView } from "@/components/settings/users-view";
import { pageUser } from "@/lib/auth/page-user";
import { can } from "@/lib/auth/roles";

export default async function UsersPage() {
  const user = await pageUser();
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">Users</h1>
      {can(user.role, "users.manage") && <TwoFactorPolicy canChange={user.role === "owner"} />}
      {can(user.role, "users.manage") ? <UsersView myRole={user.role} myId={user.userId} /> : <p className="text-muted">Managing users needs the admin role.</p>}
    </>
  );
}
