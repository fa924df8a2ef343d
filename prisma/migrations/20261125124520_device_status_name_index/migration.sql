-- DropIndex
DROP INDEX "Device_status_idx";

-- CreateIndex
CREATE INDEX "Device_status_name_id_idx" ON "Device"("status", "name", "id");
