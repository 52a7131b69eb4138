// Global setup of the `pg` vitest project: one throwaway PostgreSQL cluster for the run; each test's
// control plane gets a database of its own in it (test-db.ts).
import { startTempPostgres } from "../../scripts/temp-postgres.mjs";

export default async function setup(): Promise<() => Promise<void>> {
  const cluster = await startTempPostgres();
  process.env.STOKER_TEST_PG_URL = cluster.url;
  return () => cluster.stop();
}
