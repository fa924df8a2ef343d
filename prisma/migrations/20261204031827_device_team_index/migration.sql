-- CreateIndex
CREATE INDEX "Device_teamName_idx" ON "Device"("teamName");
