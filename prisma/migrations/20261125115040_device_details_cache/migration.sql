-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "detailsFetchedAt" TIMESTAMP(3),
ADD COLUMN     "detailsKey" TEXT;
