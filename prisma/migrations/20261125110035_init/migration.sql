-- CreateEnum
CREATE TYPE "EnrollmentStatus" AS ENUM ('ENROLLED', 'PARTIALLY_ENROLLED', 'AGENT_INACTIVE', 'MDM_PROFILE_MISSING', 'OFFLINE', 'UNENROLLED');

-- CreateEnum
CREATE TYPE "SyncRunState" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'AWAITING_CONFIRMATION');

-- CreateEnum
CREATE TYPE "ApiTokenRole" AS ENUM ('ADMIN', 'VIEWER');

-- CreateEnum
CREATE TYPE "MessageKind" AS ENUM ('ENROLLMENT_INVITATION', 'AGENT_DOWNLOAD_LINK', 'MACOS_PROFILE_GUIDE');

-- CreateEnum
CREATE TYPE "MessageState" AS ENUM ('PENDING', 'SENT', 'FAILED', 'UNSENT');

-- CreateTable
CREATE TABLE "Employee" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Employee_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "id" UUID NOT NULL,
    "fleetHostId" INTEGER NOT NULL,
    "uuid" TEXT,
    "serial" TEXT,
    "name" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "osVersion" TEXT,
    "ownerId" UUID,
    "status" "EnrollmentStatus" NOT NULL,
    "statusSince" TIMESTAMP(3) NOT NULL,
    "problems" JSONB NOT NULL DEFAULT '[]',
    "seenTime" TIMESTAMP(3),
    "detailUpdatedAt" TIMESTAMP(3),
    "lastEnrolledAt" TIMESTAMP(3),
    "lastMdmEnrolledAt" TIMESTAMP(3),
    "lastMdmCheckedInAt" TIMESTAMP(3),
    "mdmEnrollmentStatus" TEXT,
    "everMdmEnrolled" BOOLEAN NOT NULL DEFAULT false,
    "teamName" TEXT,
    "purgedAt" TIMESTAMP(3),
    "missingFromFleetAt" TIMESTAMP(3),
    "snapshotHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StatusEvent" (
    "seq" BIGSERIAL NOT NULL,
    "deviceId" UUID NOT NULL,
    "from" "EnrollmentStatus",
    "to" "EnrollmentStatus" NOT NULL,
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "syncRunId" UUID,

    CONSTRAINT "StatusEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" UUID NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "state" "SyncRunState" NOT NULL DEFAULT 'RUNNING',
    "trigger" TEXT NOT NULL DEFAULT 'schedule',
    "hostsSeen" INTEGER NOT NULL DEFAULT 0,
    "transitions" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "pendingUnenrollDeviceIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "unenrollConfirmedAt" TIMESTAMP(3),
    "unenrollConfirmedBy" TEXT,

    CONSTRAINT "SyncRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "syncIntervalMinutes" INTEGER NOT NULL DEFAULT 30,
    "agentInactiveAfterHours" INTEGER NOT NULL DEFAULT 24,
    "offlineAfterDays" INTEGER NOT NULL DEFAULT 7,
    "autoUnenrollEnabled" BOOLEAN NOT NULL DEFAULT false,
    "autoUnenrollAfterDays" INTEGER NOT NULL DEFAULT 30,
    "autoUnenrollMaxPercent" INTEGER NOT NULL DEFAULT 10,
    "resendInvitationOnUnenroll" BOOLEAN NOT NULL DEFAULT false,
    "apnsCertificateExpiresAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "role" "ApiTokenRole" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboundMessage" (
    "id" UUID NOT NULL,
    "recipient" TEXT NOT NULL,
    "employeeId" UUID,
    "deviceId" UUID,
    "kind" "MessageKind" NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "state" "MessageState" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "before" JSONB,
    "after" JSONB,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Employee_email_key" ON "Employee"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Device_fleetHostId_key" ON "Device"("fleetHostId");

-- CreateIndex
CREATE INDEX "Device_status_idx" ON "Device"("status");

-- CreateIndex
CREATE INDEX "Device_platform_idx" ON "Device"("platform");

-- CreateIndex
CREATE INDEX "Device_serial_idx" ON "Device"("serial");

-- CreateIndex
CREATE INDEX "Device_ownerId_idx" ON "Device"("ownerId");

-- CreateIndex
CREATE INDEX "Device_status_platform_idx" ON "Device"("status", "platform");

-- CreateIndex
CREATE INDEX "StatusEvent_deviceId_seq_idx" ON "StatusEvent"("deviceId", "seq");

-- CreateIndex
CREATE INDEX "StatusEvent_at_idx" ON "StatusEvent"("at");

-- CreateIndex
CREATE INDEX "SyncRun_startedAt_idx" ON "SyncRun"("startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_secretHash_key" ON "ApiToken"("secretHash");

-- CreateIndex
CREATE INDEX "OutboundMessage_state_nextAttemptAt_idx" ON "OutboundMessage"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboundMessage_deviceId_idx" ON "OutboundMessage"("deviceId");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Employee"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatusEvent" ADD CONSTRAINT "StatusEvent_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatusEvent" ADD CONSTRAINT "StatusEvent_syncRunId_fkey" FOREIGN KEY ("syncRunId") REFERENCES "SyncRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundMessage" ADD CONSTRAINT "OutboundMessage_employeeId_fkey" FOREIGN KEY ("employeeId") REFERENCES "Employee"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundMessage" ADD CONSTRAINT "OutboundMessage_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE SET NULL ON UPDATE CASCADE;
