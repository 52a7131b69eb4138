// Every dashboard page: requires a session, shows the sidebar.
import { Sidebar } from "@/components/shell/sidebar";
import { pageUser } from "@/lib/auth/page-user";

export const dynamic = "force-dynamic";

export default async function DashLayout({ children }: { children: React.ReactNode }) {
  const user = await pageUser();
  return (
    <div className="flex h-screen flex-col md:flex-row">
      <Sidebar email={user.email} role={user.role} />
      <main className="flex-1 overflow-auto">
        <div className="mx-auto max-w-6xl p-3 sm:p-6">{children}</div>
      </main>
    </div>
  );
}
