import type { PrismaClient } from "@enrollwatch/db";
import { type MessageKind, messageMismatch } from "../engine/vocabulary.ts";
import type { MessageLinks } from "./MessageTemplates.ts";
import { enqueueMessage } from "./Outbox.ts";

export type SendRemediationResult =
  | { ok: true; messageId: string; recipient: string }
  | { ok: false; reason: "DEVICE_NOT_FOUND" | "DEVICE_HAS_NO_OWNER" | "MESSAGE_NOT_FOR_PLATFORM"; message: string };

/**
 * An admin sends the device's owner one of the seed's remediation messages (re-enrolment
 * invitation, agent download link, macOS profile guide). The message and its audit entry are
 * written together; the outbox worker delivers it.
 */
export async function sendRemediationMessage(
  prisma: PrismaClient,
  deviceId: string,
  kind: MessageKind,
  actor: string,
  links: MessageLinks,
): Promise<SendRemediationResult> {
  return prisma.$transaction(async (tx) => {
    const device = await tx.device.findUnique({ where: { id: deviceId }, include: { owner: true } });
    if (!device) return { ok: false, reason: "DEVICE_NOT_FOUND", message: `No device ${deviceId}.` };
    const mismatch = messageMismatch(kind, device.platform);
    if (mismatch) return { ok: false, reason: "MESSAGE_NOT_FOR_PLATFORM", message: mismatch };
    const queued = await enqueueMessage(tx, kind, device, links);
    if (!queued || !device.owner) {
      return {
        ok: false,
        reason: "DEVICE_HAS_NO_OWNER",
        message: `Device ${device.name} has no known owner in Fleet to send the message to.`,
      };
    }
    await tx.auditEntry.create({
      data: {
        actor,
        action: "device.sendRemediation",
        target: device.id,
        after: { kind, messageId: queued.id, recipient: device.owner.email },
      },
    });
    return { ok: true, messageId: queued.id, recipient: device.owner.email };
  });
}
