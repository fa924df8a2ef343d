-- CreateTable (UNLOGGED by hand: rows live for one sync and a crash abandons them anyway, so
-- writing them to the WAL would only slow the sync down; Prisma has no word for it)
CREATE UNLOGGED TABLE "SyncStagedDevice" (
    "ord" INTEGER NOT NULL,
    "fleetHostId" INTEGER NOT NULL,
    "uuid" TEXT,
    "serial" TEXT,
    "name" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "osVersion" TEXT,
    "ownerEmail" TEXT,
    "ownerName" TEXT,
    "status" TEXT NOT NULL,
    "problems" TEXT NOT NULL,
    "everMdmEnrolled" BOOLEAN NOT NULL,
    "snapshotHash" TEXT NOT NULL,
    "detailsKey" TEXT,
    "seenTime" BIGINT,
    "detailUpdatedAt" BIGINT,
    "lastEnrolledAt" BIGINT,
    "lastMdmEnrolledAt" BIGINT,
    "lastMdmCheckedInAt" BIGINT,
    "mdmEnrollmentStatus" TEXT,
    "teamName" TEXT,
    "previousStatus" TEXT,

    CONSTRAINT "SyncStagedDevice_pkey" PRIMARY KEY ("ord")
);
