import type Redis from 'ioredis';
import type { Db } from '../../db/connection';
import { logger } from '../../lib/logger';
import { statusChanges, timeInStatus } from '../../lib/metrics';

export const ORDER_EVENTS_CHANNEL = 'dy:order-events';

/**
 * What the log needs of any event. Each kind's shape is the workflow contract's (workflows/orders/events.ts):
 * writers name it (`OrderEventInput<OrderEvent>`), so a misspelt type or a missing field does not compile,
 * while this base layer stays below the workflows it serves.
 */
export interface LoggedEvent {
  type: string;
  fromStatus?: string;
  toStatus?: string;
  actor: string;
  reason?: string;
  data?: object;
  readModel?: { status?: string; cancelReason?: string | null; attentionReason?: string | null; paymentIntentId?: string; carrier?: string; trackingNumber?: string };
}

/** One event as written: the writer's event under the order and a key. */
export type OrderEventInput<E extends LoggedEvent = LoggedEvent> = E & {
  orderNumber: string;
  /** The writer's idempotency key (the workflow uses its own sequence): a retried write finds its row. */
  eventKey: string;
};

export interface RecordedEvent {
  id: number;
  seq: number;
  duplicate: boolean;
}

/**
 * The one place an order's history is written: the event log row and the read model change together,
 * then the event is published for live streams (best effort: the log is what streams resume from).
 */
export async function recordOrderEvent<E extends LoggedEvent>(db: Db, redis: Redis | undefined, e: OrderEventInput<E>): Promise<RecordedEvent> {
  const result = await db.transaction(async (trx) => {
    // The row lock serialises writers of one order, so seq has no gaps or duplicates.
    const order = await trx('orders').where({ order_number: e.orderNumber }).forUpdate().first('order_number');
    const existing = await trx('order_events').where({ order_number: e.orderNumber, event_key: e.eventKey }).first('id', 'seq');
    if (existing) return { id: existing.id as number, seq: existing.seq as number, duplicate: true, row: undefined, previous: undefined };
    const [{ next }] = await trx('order_events').where({ order_number: e.orderNumber }).max({ next: 'seq' });
    const seq = ((next as number | null) ?? 0) + 1;
    const [row] = await trx('order_events')
      .insert({
        order_number: e.orderNumber,
        seq,
        event_key: e.eventKey,
        type: e.type,
        from_status: e.fromStatus ?? null,
        to_status: e.toStatus ?? null,
        actor: e.actor,
        reason: e.reason ?? null,
        data: JSON.stringify(e.data ?? {}),
      })
      .returning(['id', 'occurred_at']);
    if (order && e.readModel) {
      const patch: Record<string, unknown> = { updated_at: trx.fn.now() };
      const m = e.readModel;
      if (m.status !== undefined) patch.status = m.status;
      if (m.cancelReason !== undefined) patch.cancel_reason = m.cancelReason;
      if (m.attentionReason !== undefined) patch.attention_reason = m.attentionReason;
      if (m.paymentIntentId !== undefined) patch.payment_intent_id = m.paymentIntentId;
      if (m.carrier !== undefined) patch.carrier = m.carrier;
      if (m.trackingNumber !== undefined) patch.tracking_number = m.trackingNumber;
      await trx('orders').where({ order_number: e.orderNumber }).update(patch);
    }
    let previous: Date | undefined;
    if (e.type === 'status_changed') {
      const before = await trx('order_events').where({ order_number: e.orderNumber, type: 'status_changed' }).where('seq', '<', seq).orderBy('seq', 'desc').first('occurred_at');
      previous = before ? new Date(before.occurred_at) : undefined;
    }
    return { id: row.id as number, seq, duplicate: false, row, previous };
  });
  if (!result.duplicate && e.type === 'status_changed' && e.toStatus) {
    statusChanges.inc({ to: e.toStatus });
    if (result.previous && e.fromStatus) timeInStatus.observe({ status: e.fromStatus }, (new Date(result.row?.occurred_at ?? Date.now()).getTime() - result.previous.getTime()) / 1000);
  }
  if (!result.duplicate && redis && redis.status === 'ready') {
    const message = JSON.stringify({ id: result.id, seq: result.seq, orderNumber: e.orderNumber, type: e.type, fromStatus: e.fromStatus, toStatus: e.toStatus, actor: e.actor, reason: e.reason, data: e.data ?? {}, occurredAt: result.row?.occurred_at });
    await redis.publish(ORDER_EVENTS_CHANNEL, message).catch((err: Error) => logger.warn({ err: err.message, orderId: e.orderNumber }, 'order event not published; streams will read it from the log'));
  }
  return { id: result.id, seq: result.seq, duplicate: result.duplicate };
}
