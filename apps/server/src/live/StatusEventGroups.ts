import {
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  getOperationAST,
  type OperationDefinitionNode,
  print,
  valueFromASTUntyped,
} from "graphql";
import { createGraphQLError } from "graphql-yoga";
import type { GraphQLContext } from "../graphql/context.ts";
import type { DeviceFilter } from "../graphql/schema/DeviceWhere.ts";
import { matchesDeviceFilter } from "./DeviceFilterMatch.ts";
import type { FeedEvent, StatusEventFeed } from "./StatusEventFeed.ts";
import { replayEvents } from "./statusEventStream.ts";

export type GroupableArgs = ExecutionArgs & { contextValue: GraphQLContext };

/** Results waiting for one slow member beyond which it is cut off (it resumes from its last seq). */
const MAX_MEMBER_QUEUE = 20_000;

interface Member {
  /** Live events up to here reach this member through its own replay. */
  joinedAt: bigint;
  /**
   * `frame(prefix)` is the result's `next` frame for a member whose frames start with `prefix`,
   * serialised and encoded once per event for every member sharing that prefix (operation id).
   */
  deliver(seq: bigint, result: ExecutionResult, frame: (prefix: string) => Buffer): void;
}

/**
 * Live statusEvents subscribers that sent the same operation (same document and variables but
 * `afterSeq`, same role) share one execution per event: the result is computed once and handed to
 * every member, instead of running GraphQL once per subscriber per event. Each member still
 * replays its own backlog, then joins the group's live stream at the position it replayed to.
 */
export class StatusEventGroups {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly feed: StatusEventFeed) {}

  /** The member's stream, or null when the operation is not a plain statusEvents subscription. */
  async subscribe(args: GroupableArgs): Promise<AsyncIterableIterator<ExecutionResult> | null> {
    const operation = getOperationAST(args.document, args.operationName ?? undefined);
    const field = soleStatusEventsField(operation);
    if (!operation || !field) return null;
    const values = argumentValues(field, (args.variableValues ?? {}) as Record<string, unknown>);
    const rawAfter = values.afterSeq;
    const afterSeq = typeof rawAfter === "string" && /^\d{1,19}$/.test(rawAfter) ? BigInt(rawAfter) : null;
    // Anything unusual goes the standard way, which validates and reports it.
    if (rawAfter !== undefined && rawAfter !== null && afterSeq === null) return null;
    const filter = asDeviceFilter(values.filter);
    if (filter === undefined) return null;
    const { afterSeq: _ignored, ...sharedVariables } = (args.variableValues ?? {}) as Record<string, unknown>;
    const key = JSON.stringify([
      print(args.document),
      args.operationName ?? null,
      sharedVariables,
      args.contextValue.viewer?.role,
    ]);

    const stop = new StopSignal();
    const stream = this.member(key, args, afterSeq, filter, stop);
    // An async generator waiting for events would only see return() at its next event; this one
    // stops at once when the client completes the operation or goes away.
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      next: () => stream.next(),
      return: (value?: unknown) => {
        stop.trigger();
        return stream.return(value as undefined);
      },
      throw: (error?: unknown) => {
        stop.trigger();
        return stream.throw(error);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * The group is looked up when the stream starts, not before: a group whose last member leaves in
   * between is closed, and joining it then would wait forever.
   */
  private async *member(
    key: string,
    args: GroupableArgs,
    afterSeq: bigint | null,
    filter: DeviceFilter | null,
    stop: StopSignal,
  ): AsyncGenerator<ExecutionResult> {
    let group = this.groups.get(key);
    if (!group) {
      const created = new Group(args, filter, this.feed, () => {
        if (this.groups.get(key) === created) this.groups.delete(key);
      });
      group = created;
      this.groups.set(key, group);
    }
    yield* group.join(args, afterSeq, filter, stop);
  }

  get size(): number {
    return this.groups.size;
  }

  /** Live subscribers across all groups. */
  get memberCount(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.memberCount;
    return n;
  }
}

/**
 * The field's argument values from the AST and the request's variables. graphql's own coercion
 * helpers check type identity, which fails when two copies of graphql are loaded (ESM and CJS);
 * these two arguments are simple enough to read untyped.
 */
function argumentValues(field: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const argument of field.arguments ?? []) {
    values[argument.name.value] = valueFromASTUntyped(argument.value, variables);
  }
  return values;
}

/** A DeviceFilter from untyped input (a single enum value counts as a list of one, as in GraphQL). */
function asDeviceFilter(value: unknown): DeviceFilter | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  const list = (v: unknown): string[] | null | undefined => {
    if (v === undefined || v === null) return null;
    const items = Array.isArray(v) ? v : [v];
    return items.every((i) => typeof i === "string") ? (items as string[]) : undefined;
  };
  // Any other field is one this reading does not know: the standard path applies it.
  if (Object.keys(raw).some((key) => !["status", "platform", "search", "team"].includes(key))) return undefined;
  const status = list(raw.status);
  const platform = list(raw.platform);
  const search = raw.search;
  if (status === undefined || platform === undefined) return undefined;
  if (search !== undefined && search !== null && typeof search !== "string") return undefined;
  let team: (string | null)[] | null = null;
  if (raw.team !== undefined && raw.team !== null) {
    // A null item is "no team"; a lone null is the whole list being null, as GraphQL reads it.
    const items: unknown[] = Array.isArray(raw.team) ? raw.team : [raw.team];
    if (!items.every((i) => i === null || typeof i === "string")) return undefined;
    team = items as (string | null)[];
  }
  return {
    status: status as DeviceFilter["status"],
    platform,
    search: (search as string | null | undefined) ?? null,
    team,
  };
}

function soleStatusEventsField(operation: OperationDefinitionNode | null | undefined): FieldNode | null {
  if (operation?.operation !== "subscription") return null;
  const selections = operation.selectionSet.selections;
  const [only] = selections;
  if (selections.length !== 1 || only?.kind !== "Field" || only.name.value !== "statusEvents") return null;
  return only;
}

/** Set when the member's consumer is gone: its stream ends at once. */
class StopSignal {
  stopped = false;
  private listener: (() => void) | undefined;

  trigger(): void {
    this.stopped = true;
    this.listener?.();
  }

  /** Runs `listener` on trigger (replacing any earlier one). */
  onStop(listener: () => void): void {
    this.listener = listener;
  }
}

/** A push-driven async iterable: the shared source the group's one subscription reads. */
class EventQueue implements AsyncIterable<FeedEvent> {
  private readonly items: FeedEvent[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(event: FeedEvent): void {
    this.items.push(event);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<FeedEvent> {
    for (;;) {
      while (this.items.length > 0) yield this.items.shift() as FeedEvent;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

type Subscribe = (
  args: ExecutionArgs,
) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> | AsyncIterable<ExecutionResult> | ExecutionResult;

/**
 * Runs the operation through the normal subscribe pipeline, but over the given events: the
 * statusEvents resolver reads `eventSource` from the context when it is there.
 */
async function executeOver(
  args: GroupableArgs,
  events: AsyncIterable<FeedEvent>,
): Promise<AsyncIterable<ExecutionResult>> {
  const subscribe = (args.rootValue as unknown as { subscribe: Subscribe }).subscribe;
  const result = await subscribe({ ...args, contextValue: { ...args.contextValue, eventSource: events } });
  if (Symbol.asyncIterator in (result as object)) return result as AsyncIterable<ExecutionResult>;
  // An error result (e.g. variables that do not coerce): deliver it once.
  return (async function* () {
    yield result as ExecutionResult;
  })();
}

class Group {
  private readonly members = new Set<Member>();
  private attached: Promise<{ detach(): void }> | undefined;
  /** The feed position this group's stream has reached (set synchronously on every batch). */
  private receivedUpTo = 0n;
  private readonly source = new EventQueue();
  /** Seqs of the events in the source not yet turned into results, in order. */
  private readonly pendingSeqs: bigint[] = [];
  /** Members between join() and being added: the group must not be dropped under them. */
  private joining = 0;

  constructor(
    private readonly template: GroupableArgs,
    private readonly filter: DeviceFilter | null,
    private readonly feed: StatusEventFeed,
    private readonly onEmpty: () => void,
  ) {}

  get memberCount(): number {
    return this.members.size;
  }

  private attach(): Promise<{ detach(): void }> {
    this.attached ??= (async () => {
      const results = await executeOver(this.template, this.source);
      void this.pump(results);
      const attachment = await this.feed.attach((events, position) => {
        this.receivedUpTo = position;
        for (const event of events) {
          if (!matchesDeviceFilter(event.device, this.filter)) continue;
          this.pendingSeqs.push(event.seq);
          this.source.push(event);
        }
      });
      if (this.receivedUpTo < attachment.position) this.receivedUpTo = attachment.position;
      return attachment;
    })();
    return this.attached;
  }

  /**
   * One execution per event for the whole group; the same result goes to every member, and is
   * serialised at most once however many members send it straight to their sockets.
   */
  private async pump(results: AsyncIterable<ExecutionResult>): Promise<void> {
    for await (const result of results) {
      const seq = this.pendingSeqs.shift();
      if (seq === undefined) continue;
      let json: string | undefined;
      // Clients usually number their operations alike ("1"): most members share one frame.
      const frames = new Map<string, Buffer>();
      const frame = (prefix: string) => {
        let built = frames.get(prefix);
        if (!built) {
          json ??= JSON.stringify(result);
          built = Buffer.from(`${prefix}${json}}`, "utf8");
          frames.set(prefix, built);
        }
        return built;
      };
      for (const member of this.members) if (member.joinedAt < seq) member.deliver(seq, result, frame);
    }
  }

  async *join(
    args: GroupableArgs,
    afterSeq: bigint | null,
    filter: DeviceFilter | null,
    stop: StopSignal,
  ): AsyncGenerator<ExecutionResult> {
    this.joining++;
    try {
      await this.attach();
    } finally {
      this.joining--;
    }
    const queue: { seq: bigint; result: ExecutionResult; frame: (prefix: string) => Buffer }[] = [];
    let wake: (() => void) | undefined;
    let overflowed = false;
    // Over graphql-ws, once the member has caught up, results skip graphql-ws's per-subscriber
    // serialisation: the group's one JSON goes into this member's `next` frame as is. Until then
    // (replay), they queue and go through graphql-ws, in order.
    const target = args.contextValue.liveTarget;
    const framePrefix = target ? `{"id":${JSON.stringify(target.id)},"type":"next","payload":` : "";
    let direct = false;
    let last = afterSeq ?? this.receivedUpTo;
    const member: Member = {
      joinedAt: this.receivedUpTo,
      deliver(seq, result, frame) {
        if (direct && target) {
          if (seq <= last) return;
          last = seq;
          // The socket's own back-pressure watchdog cuts off a consumer that cannot keep up.
          if (target.isOpen()) target.send(frame(framePrefix));
          return;
        }
        if (queue.length >= MAX_MEMBER_QUEUE) {
          overflowed = true;
        } else {
          queue.push({ seq, result, frame });
        }
        wake?.();
      },
    };
    this.members.add(member);
    try {
      if (afterSeq !== null && afterSeq < member.joinedAt) {
        yield* await executeOver(args, replayEvents(afterSeq, member.joinedAt, filter));
      }
      // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
      last = last > member.joinedAt ? last : member.joinedAt;
      if (target && !overflowed) {
        // graphql-ws asks for the next result only after it sent the previous one: everything
        // yielded so far is on the socket, so what queued meanwhile can follow it directly.
        for (const next of queue.splice(0)) {
          if (next.seq <= last) continue;
          last = next.seq;
          if (target.isOpen()) target.send(next.frame(framePrefix));
        }
        direct = true;
      }
      stop.onStop(() => wake?.());
      for (;;) {
        if (stop.stopped) return;
        if (overflowed) {
          // Ends this subscription with an error the client sees; it resubscribes from its last seq.
          throw createGraphQLError("Too far behind the live stream: resubscribe with afterSeq set to your last seq.", {
            extensions: { code: "CONSUMER_TOO_SLOW" },
          });
        }
        while (queue.length > 0) {
          const next = queue.shift() as { seq: bigint; result: ExecutionResult };
          if (next.seq <= last) continue;
          last = next.seq;
          yield next.result;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.members.delete(member);
      if (this.members.size === 0 && this.joining === 0) {
        this.onEmpty();
        this.source.end();
        void this.attached?.then((a) => a.detach());
      }
    }
  }
}
