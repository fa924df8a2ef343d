-- AlterTable
ALTER TABLE "AlertRule" ADD COLUMN     "teams" TEXT[] DEFAULT ARRAY[]::TEXT[];
