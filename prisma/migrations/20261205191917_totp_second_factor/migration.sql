-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "passwordHash" TEXT,
    "role" TEXT NOT NULL DEFAULT 'viewer',
    "failedLogins" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "oidcIssuer" TEXT,
    "oidcSubject" TEXT,
    "totpSecret" TEXT,
    "totpEnabledAt" DATETIME,
    "totpLastStep" INTEGER NOT NULL DEFAULT 0,
    "recoveryCodes" TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO "new_User" ("createdAt", "email", "failedLogins", "id", "lockedUntil", "name", "oidcIssuer", "oidcSubject", "passwordHash", "role") SELECT "createdAt", "email", "failedLogins", "id", "lockedUntil", "name", "oidcIssuer", "oidcSubject", "passwordHash", "role" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "User_oidcIssuer_oidcSubject_key" ON "User"("oidcIssuer", "oidcSubject");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
