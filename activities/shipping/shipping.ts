import { ApplicationFailure, Context } from '@temporalio/activity';
import { carrierCalls } from '../../lib/metrics';
import type { AddressInput } from '../../workflows/orders/definitions';
import { type Booking, type CarrierAdapter, CarrierRejectedError, CarrierUnavailableError, type TrackingInfo } from '../../domain/shipping/carriers/carrier';

/** Carrier errors become Temporal's: rejected ones stop retries, rate limits retry when the carrier asks. */
export function outcomeOf(err: unknown): string {
  return err instanceof CarrierRejectedError ? 'rejected' : err instanceof CarrierUnavailableError ? 'unavailable' : 'error';
}

export function asFailure(err: unknown): never {
  if (err instanceof CarrierRejectedError) {
    throw ApplicationFailure.create({ message: err.message, type: 'CarrierRejected', nonRetryable: true, details: [{ code: err.code }] });
  }
  if (err instanceof CarrierUnavailableError) {
    throw ApplicationFailure.create({ message: err.message, type: 'CarrierUnavailable', nextRetryDelay: err.retryAfterMs });
  }
  throw err;
}

export async function bookShipment(
  carrier: CarrierAdapter,
  p: { orderNumber: string; shipmentNo: number; recipientName: string; address: AddressInput; weightGrams: number },
): Promise<Booking> {
  try {
    const booking = await carrier.book({
      idempotencyKey: `shipment-${p.orderNumber}-${p.shipmentNo}`,
      orderNumber: p.orderNumber,
      recipientName: p.recipientName,
      address: p.address,
      weightGrams: p.weightGrams,
    });
    carrierCalls.inc({ carrier: carrier.name, operation: 'book', outcome: 'ok' });
    return booking;
  } catch (err) {
    carrierCalls.inc({ carrier: carrier.name, operation: 'book', outcome: outcomeOf(err) });
    asFailure(err);
  }
}

/**
 * Polls the carrier inside one heartbeating activity and returns only when something changed, so a parcel
 * that takes days costs a handful of history events, not one per poll. A lost worker is noticed by the
 * heartbeat timeout and the poll resumes elsewhere.
 */
export async function awaitTrackingChange(
  carrier: CarrierAdapter,
  p: { trackingNumber: string; knownStatus: string; knownEvents: number; pollIntervalMs: number },
): Promise<TrackingInfo> {
  const ctx = Context.current();
  const interval = p.pollIntervalMs;
  for (;;) {
    try {
      const info = await carrier.track(p.trackingNumber);
      carrierCalls.inc({ carrier: carrier.name, operation: 'track', outcome: 'ok' });
      if (info.status !== p.knownStatus || info.events.length !== p.knownEvents) return info;
      ctx.heartbeat({ status: info.status });
    } catch (err) {
      carrierCalls.inc({ carrier: carrier.name, operation: 'track', outcome: outcomeOf(err) });
      if (err instanceof CarrierRejectedError) asFailure(err);
      // A carrier outage is the normal weather of polling: keep heartbeating and try again next round.
      ctx.heartbeat({ error: (err as Error).message });
      ctx.log.warn('carrier tracking failed; polling again', { trackingNumber: p.trackingNumber, error: (err as Error).message });
    }
    await ctx.sleep(interval);
  }
}
