-- AlterTable
ALTER TABLE "Alert" ADD COLUMN     "clearSummary" TEXT NOT NULL DEFAULT '';
