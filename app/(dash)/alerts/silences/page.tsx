// Silences and maintenance windows (the Alerts section).
import { AlertsNav } from "@/components/alerts/alerts-kit";
import { SilencesView } from "@/components/alerts/silences-view";
import { can } from "@/lib/auth/roles";
import { pageUser } from "@/lib/auth/page-user";

export default async function Page() {
  const user = await pageUser();
  return (
    <>
      <h1 className="mb-3 text-lg font-semibold">Silences and maintenance windows</h1>
      <AlertsNav />
      <SilencesView canChange={can(user.role, "alerts.write")} />
    </>
  );
}
