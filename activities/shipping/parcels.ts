import { Context } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import { carrierCalls } from '../../lib/metrics';
import type { AddressInput } from '../../workflows/orders/definitions';
import type { BookingView, Parcel, ShipmentKind, TrackingEventView } from '../../workflows/shipping/definitions';
import { type CarrierAdapter, CarrierRejectedError, CarrierUnavailableError, type TrackingInfo } from '../../domain/shipping/carriers/carrier';
import { asFailure, outcomeOf } from './shipping';
import { nextPollDelayMs } from './pollCadence';
import type { TrackingQuota } from './trackingQuota';

/** Which adapter books and tracks for a carrier name: the real one where configured, else the sandbox. */
export interface CarrierLookup {
  forCarrier(name: string): CarrierAdapter;
}

export interface ShipmentDeps {
  db: Db;
  carriers: CarrierLookup;
  quota?: TrackingQuota;
}

export interface BookParcelInput {
  orderNumber: string;
  kind: ShipmentKind;
  shipmentNo: number;
  workflowId: string;
  carrier: string;
  service: string;
  recipientName: string;
  address: AddressInput;
  parcel: Parcel;
  replacesShipmentNo?: number;
}

/**
 * Books one parcel and keeps its row. The row is written before the carrier is called, and the carrier's
 * idempotency key comes from the order, the kind and the parcel number, so a retry after a crash finds the
 * same booking instead of buying a second label. A different carrier (an admin's override) books afresh.
 */
export async function bookParcel(deps: ShipmentDeps, p: BookParcelInput): Promise<BookingView & { estimatedDelivery?: string }> {
  const { db } = deps;
  await db('shipments')
    .insert({
      order_number: p.orderNumber,
      kind: p.kind,
      shipment_no: p.shipmentNo,
      workflow_id: p.workflowId,
      carrier: p.carrier,
      service: p.service,
      status: 'PENDING',
      weight_grams: p.parcel.weightGrams,
      lines: JSON.stringify(p.parcel.lines),
      replaces_shipment_no: p.replacesShipmentNo ?? null,
    })
    .onConflict('workflow_id')
    .ignore();
  const row = await db('shipments').where({ workflow_id: p.workflowId }).first();
  if (row?.tracking_number && row.carrier === p.carrier) {
    return { carrier: row.carrier, service: row.service, trackingNumber: row.tracking_number, labelUrl: row.label_url ?? undefined };
  }

  const adapter = deps.carriers.forCarrier(p.carrier);
  const base = p.kind === 'outbound' ? `shipment-${p.orderNumber}-${p.shipmentNo}` : `return-${p.orderNumber}-${p.shipmentNo}`;
  try {
    const booking = await adapter.book({
      idempotencyKey: p.carrier === row?.carrier || !row?.tracking_number ? `${base}-${p.carrier}` : `${base}-${p.carrier}-rebook`,
      orderNumber: p.orderNumber,
      recipientName: p.recipientName,
      address: p.address,
      weightGrams: p.parcel.weightGrams,
      carrier: p.carrier,
      service: p.service,
      direction: p.kind,
    } as Parameters<CarrierAdapter['book']>[0]);
    carrierCalls.inc({ carrier: p.carrier, operation: 'book', outcome: 'ok' });
    await db('shipments').where({ workflow_id: p.workflowId }).update({
      carrier: p.carrier,
      service: (booking as { service?: string }).service ?? p.service,
      tracking_number: booking.trackingNumber,
      label_url: booking.labelUrl ?? null,
      status: 'LABEL_PURCHASED',
      booked_at: db.fn.now(),
      updated_at: db.fn.now(),
    });
    return { carrier: p.carrier, service: p.service, trackingNumber: booking.trackingNumber, labelUrl: booking.labelUrl };
  } catch (err) {
    carrierCalls.inc({ carrier: p.carrier, operation: 'book', outcome: outcomeOf(err) });
    if (err instanceof CarrierRejectedError) {
      await db('shipments').where({ workflow_id: p.workflowId }).update({ status: 'REJECTED', exception_reason: 'CARRIER_REJECTED', exception_detail: err.message, updated_at: db.fn.now() });
    }
    asFailure(err);
  }
}

/** Keeps the carrier's events (raw beside ours) and the parcel's latest status; a re-poll adds nothing twice. */
export async function recordTracking(
  deps: ShipmentDeps,
  p: { workflowId: string; status: string; estimatedDelivery?: string; events: Array<TrackingEventView & { raw?: unknown }> },
): Promise<void> {
  const { db } = deps;
  const row = await db('shipments').where({ workflow_id: p.workflowId }).first('id');
  if (!row) return;
  if (p.events.length > 0) {
    await db('shipment_events')
      .insert(
        p.events.map((e) => ({
          shipment_id: row.id,
          status: e.status,
          occurred_at: e.occurredAt,
          description: e.description,
          location: e.location ?? null,
          raw: e.raw === undefined ? null : JSON.stringify(e.raw),
        })),
      )
      .onConflict(['shipment_id', 'occurred_at', 'status', 'description'])
      .ignore();
  }
  const last = p.events[p.events.length - 1];
  await db('shipments')
    .where({ workflow_id: p.workflowId })
    .whereNotIn('status', ['REPLACED', 'REFUNDED', 'CANCELLED'])
    .update({
      status: p.status,
      estimated_delivery: p.estimatedDelivery ?? null,
      last_event_at: last?.occurredAt ?? null,
      delivered_at: p.status === 'DELIVERED' ? (last?.occurredAt ?? db.fn.now()) : null,
      updated_at: db.fn.now(),
    });
}

export async function markShipmentException(deps: ShipmentDeps, p: { workflowId: string; reason: string | null; detail?: string }): Promise<void> {
  await deps.db('shipments')
    .where({ workflow_id: p.workflowId })
    .update({ exception_reason: p.reason, exception_detail: p.detail ?? null, updated_at: deps.db.fn.now() });
}

/**
 * A replaced or refunded parcel stops being followed. The label is voided where the carrier allows it;
 * a carrier that already has the parcel says no, which is fine: it is on its way back or lost.
 */
export async function closeShipment(deps: ShipmentDeps, p: { workflowId: string; closedAs: 'REPLACED' | 'REFUNDED' | 'CANCELLED'; carrier?: string; trackingNumber?: string }): Promise<void> {
  if (p.carrier && p.trackingNumber) {
    const adapter = deps.carriers.forCarrier(p.carrier);
    try {
      await adapter.cancel?.(p.trackingNumber);
    } catch (err) {
      if (err instanceof CarrierUnavailableError) asFailure(err);
    }
  }
  await deps.db('shipments').where({ workflow_id: p.workflowId }).update({ status: p.closedAs, updated_at: deps.db.fn.now() });
}

export type TrackingOutcome = { kind: 'changed'; info: TrackingInfo } | { kind: 'stale'; silentForMs: number };

/**
 * Polls inside one heartbeating activity and returns only when something changed (or the parcel went
 * silent for too long), so a parcel that takes weeks costs a few history events per status change, never
 * one per poll. The cadence follows the parcel (often near the door, rarely in long transit), the carrier's
 * quota and its Retry-After. A lost worker is noticed by the heartbeat timeout and polling resumes elsewhere.
 */
export async function followParcel(
  deps: ShipmentDeps,
  p: { carrier: string; trackingNumber: string; knownStatus: string; knownEvents: number; pollIntervalMs: number; staleAfterMs: number; lastNewsAt: number; estimatedDelivery?: string },
): Promise<TrackingOutcome> {
  const ctx = Context.current();
  const adapter = deps.carriers.forCarrier(p.carrier);
  let status = p.knownStatus;
  for (;;) {
    let waitMs = nextPollDelayMs({ status, carrier: p.carrier, baseMs: p.pollIntervalMs, estimatedDelivery: p.estimatedDelivery, now: Date.now() });
    const allowed = deps.quota ? await deps.quota.take(p.carrier) : { ok: true as const };
    if (allowed.ok) {
      try {
        const info = await adapter.track(p.trackingNumber);
        carrierCalls.inc({ carrier: p.carrier, operation: 'track', outcome: 'ok' });
        if (info.status !== p.knownStatus || info.events.length !== p.knownEvents) return { kind: 'changed', info };
        status = info.status;
        ctx.heartbeat({ status: info.status });
      } catch (err) {
        carrierCalls.inc({ carrier: p.carrier, operation: 'track', outcome: outcomeOf(err) });
        if (err instanceof CarrierRejectedError) asFailure(err);
        if (err instanceof CarrierUnavailableError && err.retryAfterMs !== undefined) waitMs = Math.max(waitMs, err.retryAfterMs);
        // A carrier outage is the normal weather of polling: keep heartbeating and try again next round.
        ctx.heartbeat({ error: (err as Error).message });
        ctx.log.warn('carrier tracking failed; polling again', { trackingNumber: p.trackingNumber, error: (err as Error).message });
      }
    } else {
      waitMs = Math.max(waitMs, allowed.retryInMs);
      ctx.heartbeat({ quota: 'exhausted', carrier: p.carrier });
    }
    const silentFor = Date.now() - p.lastNewsAt;
    if (status !== 'DELIVERED' && silentFor >= p.staleAfterMs) return { kind: 'stale', silentForMs: silentFor };
    // Never sleep past the stale deadline, or silence would be noticed late.
    await sleepHeartbeating(ctx, Math.max(10, Math.min(waitMs, p.staleAfterMs - silentFor)), p.pollIntervalMs);
  }
}

/** Long waits between polls heartbeat every base interval, so the heartbeat timeout stays short. */
async function sleepHeartbeating(ctx: Context, ms: number, chunkMs: number): Promise<void> {
  for (let left = ms; left > 0; left -= chunkMs) {
    await ctx.sleep(Math.min(left, chunkMs));
    ctx.heartbeat({ waiting: true });
  }
}
