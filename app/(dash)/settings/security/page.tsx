// My sign-in security: the TOTP second factor and its recovery codes.
import { TwoFactorView } from "@/components/settings/two-factor-view";
import { pageUser } from "@/lib/auth/page-user";

export default async function SecurityPage() {
  await pageUser();
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">Security</h1>
      <TwoFactorView />
    </>
  );
}
