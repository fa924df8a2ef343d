-- AlterTable
ALTER TABLE "AlertRule" ADD COLUMN     "includeNoTeam" BOOLEAN NOT NULL DEFAULT false;
