// Audit history of every change, who made it and from where.
import { AuditTable } from "@/components/audit/audit-table";
import { pageUser } from "@/lib/auth/page-user";

export default async function AuditPage() {
  await pageUser();
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">Audit</h1>
      <AuditTable />
    </>
  );
}
