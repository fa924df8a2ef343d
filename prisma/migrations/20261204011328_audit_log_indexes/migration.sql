-- DropIndex
DROP INDEX "AuditEntry_at_idx";

-- CreateIndex
CREATE INDEX "AuditEntry_at_id_idx" ON "AuditEntry"("at", "id");

-- CreateIndex
CREATE INDEX "AuditEntry_action_at_id_idx" ON "AuditEntry"("action", "at", "id");

-- CreateIndex
CREATE INDEX "AuditEntry_target_at_id_idx" ON "AuditEntry"("target", "at", "id");

-- Hand-written (data, which the schema cannot describe): an employee's "check again" was audited as
-- employee:<id> while its sign-in and visits say employee:<e-mail>; one actor, so one filter finds
-- them all.
UPDATE "AuditEntry" AS a
   SET actor = 'employee:' || e.email
  FROM "Employee" AS e
 WHERE a.action = 'employee.checkAgain' AND a.actor = 'employee:' || e.id::text;
