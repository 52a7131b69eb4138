// Notification channels (the Alerts section).
import { AlertsNav } from "@/components/alerts/alerts-kit";
import { ChannelsView } from "@/components/alerts/channels-view";
import { can } from "@/lib/auth/roles";
import { pageUser } from "@/lib/auth/page-user";

export default async function Page() {
  const user = await pageUser();
  return (
    <>
      <h1 className="mb-3 text-lg font-semibold">Notification channels</h1>
      <AlertsNav />
      <ChannelsView canChange={can(user.role, "alerts.write")} />
    </>
  );
}
