-- AlterTable
ALTER TABLE "Host" ADD COLUMN "runAsUsers" TEXT;
