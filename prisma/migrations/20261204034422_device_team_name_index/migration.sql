-- DropIndex
DROP INDEX "Device_teamName_idx";

-- CreateIndex
CREATE INDEX "Device_teamName_name_id_idx" ON "Device"("teamName", "name", "id");
