-- AlterTable
ALTER TABLE "ProcessEvent" ADD COLUMN     "seq" INTEGER,
ADD COLUMN     "source" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "ProcessEvent_source_seq_key" ON "ProcessEvent"("source", "seq");
