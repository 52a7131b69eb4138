// Uptime checks (the Alerts section).
import { AlertsNav } from "@/components/alerts/alerts-kit";
import { UptimeView } from "@/components/alerts/uptime-view";
import { can } from "@/lib/auth/roles";
import { pageUser } from "@/lib/auth/page-user";

export default async function Page() {
  const user = await pageUser();
  return (
    <>
      <h1 className="mb-3 text-lg font-semibold">Uptime checks</h1>
      <AlertsNav />
      <UptimeView canChange={can(user.role, "alerts.write")} />
    </>
  );
}
