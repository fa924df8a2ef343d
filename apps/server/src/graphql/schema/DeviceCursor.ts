import { PothosValidationError } from "@pothos/core";
import type { DeviceKey, DeviceOrder, DeviceSortColumn } from "./DeviceOrder.ts";
import { isUuid } from "./SyncRun.ts";

/**
 * A devices cursor holds the position it names: the sort column, the device's value in it when the
 * page was read, and its id. A cursor of the id alone made the next page start from the device's
 * value *now*: a device whose status changed between two pages (its statusSince moves to now, or it
 * leaves an OFFLINE list) sent the next page back to the top, repeating rows, or ended the list
 * early; a renamed one did the same in the name orders.
 */
const PREFIX = "DC1:";

/** The part of a device row a cursor is made from. */
export type DeviceCursorRow = { id: string } & Partial<Record<DeviceSortColumn, string | Date | null>>;

export function encodeDeviceCursor(order: DeviceOrder, row: DeviceCursorRow): string {
  const value = row[order.column];
  const plain = value instanceof Date ? value.toISOString() : (value ?? null);
  return Buffer.from(`${PREFIX}${JSON.stringify([order.column, plain, row.id])}`, "utf8").toString("base64url");
}

/** The position a cursor names, for `order`; a cursor made for another order, or not by us, is refused. */
export function decodeDeviceCursor(order: DeviceOrder, cursor: string): DeviceKey {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  let parts: unknown;
  try {
    parts = text.startsWith(PREFIX) ? JSON.parse(text.slice(PREFIX.length)) : null;
  } catch {
    parts = null;
  }
  if (!Array.isArray(parts) || parts.length !== 3) throw new PothosValidationError(`Invalid cursor: ${cursor}`);
  const [column, value, id] = parts as unknown[];
  if (column !== order.column) {
    throw new PothosValidationError(`Invalid cursor: it is a position in another order (${String(column)}).`);
  }
  if (typeof id !== "string" || !isUuid(id)) throw new PothosValidationError(`Invalid cursor: ${cursor}`);
  if (value === null) {
    if (!order.nullable) throw new PothosValidationError(`Invalid cursor: ${cursor}`);
    return { id, value: null };
  }
  if (typeof value !== "string") throw new PothosValidationError(`Invalid cursor: ${cursor}`);
  if (order.column !== "statusSince") return { id, value };
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new PothosValidationError(`Invalid cursor: ${cursor}`);
  return { id, value: at };
}
