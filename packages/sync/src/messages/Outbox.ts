import type { Prisma } from "@enrollwatch/db";
import type { MessageKind } from "../engine/vocabulary.ts";
import { type MessageLinks, renderMessage } from "./MessageTemplates.ts";

export interface OutboxDevice {
  id: string;
  name: string;
  serial: string | null;
  platform: string;
  owner: { id: string; email: string; name: string | null } | null;
}

/** The outbox row of a message to the device's owner, or null when it has no known owner. */
export function ownerMessage(
  kind: MessageKind,
  device: OutboxDevice,
  links: MessageLinks,
): {
  kind: MessageKind;
  recipient: string;
  employeeId: string;
  deviceId: string;
  subject: string;
  body: string;
} | null {
  if (!device.owner) return null;
  const message = renderMessage(
    kind,
    { employeeName: device.owner.name, deviceName: device.name, serial: device.serial, platform: device.platform },
    links,
  );
  return {
    kind,
    recipient: device.owner.email,
    employeeId: device.owner.id,
    deviceId: device.id,
    subject: message.subject,
    body: message.text,
  };
}

/**
 * Puts a message in the outbox inside the caller's transaction: it exists exactly when the change
 * that caused it committed, and the delivery worker sends it afterwards, never from inside a
 * transaction. Returns null when the device has no known owner to write to.
 */
export async function enqueueMessage(
  tx: Prisma.TransactionClient,
  kind: MessageKind,
  device: OutboxDevice,
  links: MessageLinks,
): Promise<{ id: string } | null> {
  const data = ownerMessage(kind, device, links);
  return data ? tx.outboundMessage.create({ data, select: { id: true } }) : null;
}
