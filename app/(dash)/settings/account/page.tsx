// My account.
import { AccountView } from "@/components/settings/account-view";
import { pageUser } from "@/lib/auth/page-user";

export default async function AccountPage() {
  await pageUser();
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">Account</h1>
      <AccountView />
    </>
  );
}
