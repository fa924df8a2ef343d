-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "purgedBy" TEXT;
