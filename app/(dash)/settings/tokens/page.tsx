// My API tokens.
import { TokensView } from "@/components/settings/tokens-view";
import { pageUser } from "@/lib/auth/page-user";

export default async function TokensPage() {
  const user = await pageUser();
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">API tokens</h1>
      <TokensView myRole={user.role} />
    </>
  );
}
