-- AlterTable
ALTER TABLE "App" ADD COLUMN "rootApprovedBy" TEXT;
