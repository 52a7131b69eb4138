// Alerts (the Alerts section).
import { AlertsNav } from "@/components/alerts/alerts-kit";
import { HistoryView } from "@/components/alerts/history-view";
import { pageUser } from "@/lib/auth/page-user";

export default async function Page() {
  await pageUser();
  return (
    <>
      <h1 className="mb-3 text-lg font-semibold">Alerts</h1>
      <AlertsNav />
      <HistoryView />
    </>
  );
}
