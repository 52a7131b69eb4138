// Alert rules (the Alerts section).
import { AlertsNav } from "@/components/alerts/alerts-kit";
import { RulesView } from "@/components/alerts/rules-view";
import { can } from "@/lib/auth/roles";
import { pageUser } from "@/lib/auth/page-user";

export default async function Page() {
  const user = await pageUser();
  return (
    <>
      <h1 className="mb-3 text-lg font-semibold">Alert rules</h1>
      <AlertsNav />
      <RulesView canChange={can(user.role, "alerts.write")} />
    </>
  );
}
