-- DropIndex
DROP INDEX "AuditEntry_at_idx";

-- CreateIndex
CREATE INDEX "AuditEntry_at_id_idx" ON "AuditEntry"("at", "id");

-- CreateIndex
CREATE INDEX "AuditEntry_action_at_id_idx" ON "AuditEntry"("action", "at", "id");

-- CreateIndex
CREATE INDEX "AuditEntry_target_at_id_idx" ON "AuditEntry"("target", "at", "id");
