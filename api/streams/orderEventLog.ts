import type { Db } from '../../db/connection';
import type { OrderEventType } from '../../workflows/orders/events';

/**
 * One order event as streams send it: the `order_events` row under the names recordOrderEvent publishes,
 * minus `event_key` (the writer's idempotency key is internal).
 */
export interface OrderEvent {
  id: number;
  seq: number;
  orderNumber: string;
  /** One of workflows/orders/events.ts: only the order's writers write this table, each typed against it. */
  type: OrderEventType;
  fromStatus: string | null;
  toStatus: string | null;
  actor: string;
  reason: string | null;
  data: Record<string, unknown>;
  occurredAt: string;
}

interface OrderEventRow {
  id: number;
  seq: number;
  order_number: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  actor: string;
  reason: string | null;
  data: Record<string, unknown> | null;
  occurred_at: Date | string;
}

const COLUMNS = ['id', 'seq', 'order_number', 'type', 'from_status', 'to_status', 'actor', 'reason', 'data', 'occurred_at'] as const;

function fromRow(r: OrderEventRow): OrderEvent {
  return {
    id: r.id,
    seq: r.seq,
    orderNumber: r.order_number,
    type: r.type as OrderEventType,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    actor: r.actor,
    reason: r.reason,
    data: r.data ?? {},
    occurredAt: new Date(r.occurred_at).toISOString(),
  };
}

/** Rows with `after < id <= upTo`, oldest first: the log is the one source streams resume from. */
export async function readEvents(db: Db, q: { after: number; upTo?: number; orderNumber?: string; limit: number }): Promise<OrderEvent[]> {
  const query = db('order_events').select<OrderEventRow[]>([...COLUMNS]).where('id', '>', q.after).orderBy('id').limit(q.limit);
  if (q.upTo !== undefined) query.andWhere('id', '<=', q.upTo);
  if (q.orderNumber !== undefined) query.andWhere('order_number', q.orderNumber);
  return (await query).map(fromRow);
}

export async function lastEventId(db: Db): Promise<number> {
  const row = (await db('order_events').max({ max: 'id' }).first()) as { max: number | null } | undefined;
  return row?.max ?? 0;
}
