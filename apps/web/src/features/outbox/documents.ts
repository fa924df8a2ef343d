import { gql } from "@urql/core";
import { MESSAGE_FIELDS, type OutboundMessage } from "../device/documents.ts";

export interface OutboxMessage extends OutboundMessage {
  body: string;
  device: { id: string; name: string } | null;
}

export const OutboxQuery = gql<{ outboundMessages: OutboxMessage[] }, { first: number }>(
  `query Outbox($first: Int) { outboundMessages(first: $first) { ${MESSAGE_FIELDS} body device { id name } } }`,
);
