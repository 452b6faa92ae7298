/**
 * What a cancellation undoes, by where the order stopped. The one place to read "when can an order still be
 * cancelled, and what happens then":
 *
 * | Where the order stopped                                   | Stop           | Undone                                                   |
 * |-----------------------------------------------------------|----------------|----------------------------------------------------------|
 * | checkout: out of stock                                    | nothing        | (nothing was reserved or charged)                        |
 * | checkout: payment could not be opened                     | unpaid         | stock released                                           |
 * | checkout: data refused, admin cancels                     | unpaid         | stock released (none reserved yet: a no-op)              |
 * | payment: failed, window closed, or cancelled while unpaid | unpaid         | stock released; the PaymentIntent cancelled (a success   |
 * |                                                           |                | found by the cancel is refunded as a late payment)       |
 * | paid, warehouse picking or packing, cancelled             | paid           | stock released; the whole payment refunded               |
 * | parcels handed over, none booked yet, cancelled           | parcels        | each unbooked parcel's workflow closed, then as paid     |
 * | a parcel booked                                           | (refused)      | a return instead; a lost parcel: reship or refund lines  |
 *
 * Any success that arrives for an order that no longer wants it is refunded once by finish (finish.ts).
 */
import type { CancelReason, CancelRequest } from './definitions';
import type { OrderRun } from './context';
import { transition } from './eventLog';
import { shipmentInstructionSignal } from '../shipping/definitions';

export type Stop =
  | { undo: 'nothing' }
  | { undo: 'unpaid'; reason: CancelReason; actor: string; note?: string }
  | { undo: 'paid'; request: CancelRequest }
  | { undo: 'parcels'; request: CancelRequest };

/** A request's cancellation, as the unpaid order records it. */
export function unpaidStop(request: CancelRequest): Stop {
  return { undo: 'unpaid', reason: reasonOf(request), actor: request.actor, note: request.note };
}

const reasonOf = (request: CancelRequest): CancelReason => (request.by === 'admin' ? 'ADMIN_CANCELLED' : 'CUSTOMER_CANCELLED');

export async function compensate(run: OrderRun, stop: Stop): Promise<void> {
  if (stop.undo === 'unpaid') return cancelUnpaid(run, stop.reason, stop.actor, stop.note);
  if (stop.undo === 'paid') return cancelPaid(run, stop.request);
  if (stop.undo === 'parcels') {
    await closeUnbookedParcels(run);
    return cancelPaid(run, stop.request);
  }
}

async function cancelUnpaid(run: OrderRun, reason: CancelReason, actor: string, note?: string): Promise<void> {
  const { state, orderNumber } = run;
  const restored = await run.remote.releaseStock(orderNumber, reason);
  const intent = state.payment;
  if (intent && state.paymentOutcome?.outcome !== 'canceled') {
    const cancelled = await run.remote.cancelPaymentIntent({ orderNumber, paymentIntentId: intent.paymentIntentId });
    if (cancelled.status === 'succeeded') {
      state.latePayments.push({ eventId: `cancel-found-paid-${intent.paymentIntentId}`, outcome: 'succeeded', paymentIntentId: intent.paymentIntentId, amountPence: intent.amountPence });
    }
    intent.status = cancelled.status === 'canceled' ? 'canceled' : intent.status;
  }
  state.cancelReason = reason;
  await transition(run, 'CANCELLED', { actor, reason, data: { restoredUnits: restored.restoredUnits, note } });
}

async function cancelPaid(run: OrderRun, request: CancelRequest): Promise<void> {
  const { state, orderNumber } = run;
  const reason = reasonOf(request);
  const restored = await run.remote.releaseStock(orderNumber, reason);
  const payment = state.paidWith;
  const refund = await run.remote.refundPayment({ orderNumber, paymentIntentId: payment.paymentIntentId, amountPence: payment.amountPence, reason, key: 'cancel' });
  state.refundedIntents.add(payment.paymentIntentId);
  state.refundedPence += payment.amountPence;
  payment.status = 'refunded';
  state.cancelReason = reason;
  state.attentionReason = undefined;
  await transition(run, 'CANCELLED', { actor: request.actor, reason, data: { restoredUnits: restored.restoredUnits, refundedPence: payment.amountPence, refundId: refund.refundId, note: request.note } });
}

/** Stops every parcel still waiting to be booked; decisions still waiting are answered (the order is ending). */
async function closeUnbookedParcels(run: OrderRun): Promise<void> {
  const { state } = run;
  const closing: Array<Promise<unknown>> = [];
  for (const shipment of state.shipments) {
    const child = run.children.get(shipment.shipmentNo as number);
    if (shipment.closedAs || !child) continue;
    shipment.closedAs = 'CANCELLED';
    await child.signal(shipmentInstructionSignal, { action: 'close', closedAs: 'CANCELLED' });
    closing.push(child.result().catch(() => undefined));
  }
  state.openProblems.length = 0;
  for (const letter of state.resolutions.takeAll()) letter.reply();
  await Promise.all(closing);
}
