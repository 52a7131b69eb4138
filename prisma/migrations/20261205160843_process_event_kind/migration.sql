-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ProcessEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "appId" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "from" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "detail" TEXT NOT NULL DEFAULT '',
    "kind" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "ProcessEvent_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ProcessEvent" ("appId", "at", "detail", "from", "id", "pid", "to") SELECT "appId", "at", "detail", "from", "id", "pid", "to" FROM "ProcessEvent";
DROP TABLE "ProcessEvent";
ALTER TABLE "new_ProcessEvent" RENAME TO "ProcessEvent";
CREATE INDEX "ProcessEvent_appId_at_idx" ON "ProcessEvent"("appId", "at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
