-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Alert" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ruleId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "appId" TEXT,
    "hostId" TEXT,
    "subject" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '',
    "detail" TEXT NOT NULL DEFAULT '',
    "count" INTEGER NOT NULL DEFAULT 1,
    "firstAt" DATETIME NOT NULL,
    "lastAt" DATETIME NOT NULL,
    "notifiedAt" DATETIME,
    "clearedAt" DATETIME,
    "resolvedAt" DATETIME,
    "clearSummary" TEXT NOT NULL DEFAULT ''
);
INSERT INTO "new_Alert" ("appId", "clearedAt", "count", "detail", "firstAt", "hostId", "id", "key", "lastAt", "notifiedAt", "resolvedAt", "ruleId", "state", "subject", "summary") SELECT "appId", "clearedAt", "count", "detail", "firstAt", "hostId", "id", "key", "lastAt", "notifiedAt", "resolvedAt", "ruleId", "state", "subject", "summary" FROM "Alert";
DROP TABLE "Alert";
ALTER TABLE "new_Alert" RENAME TO "Alert";
CREATE INDEX "Alert_state_idx" ON "Alert"("state");
CREATE UNIQUE INDEX "Alert_ruleId_key_key" ON "Alert"("ruleId", "key");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
