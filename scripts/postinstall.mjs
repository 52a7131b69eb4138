// After `npm install`: generate the Prisma clients (offline: the engine binary is not needed for
// generate): SQLite's from prisma/schema.prisma, PostgreSQL's from the copy derived from it.
import { spawnSync } from "node:child_process";
import { writePostgresSchema } from "./pg-schema.mjs";

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
for (const schema of ["prisma/schema.prisma", writePostgresSchema()]) {
  const r = spawnSync("npx", ["prisma", "generate", "--schema", schema], { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
