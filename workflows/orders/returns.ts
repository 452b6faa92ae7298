/**
 * Returns inside the window: each a child workflow (returnWorkflow) that issues the label, follows the parcel
 * back, restocks and refunds; its news and its result come back here to be written to the order's log.
 */
import { startChild, workflowInfo } from '@temporalio/workflow';
import { returnWorkflow } from '../returns/returnWorkflow';
import { returnWorkflowId } from '../returns/definitions';
import type { ShipmentUpdate } from '../shipping/definitions';
import { failureMessage, type OrderRun } from './context';
import type { OrderStatus, ReturnRequest, ReturnView } from './definitions';
import { record, transition } from './eventLog';
import type { Letter } from './mailbox';
import type { FinishedReturn } from './orderState';
import { everythingReturned, returnableQuantities, unitsOf } from './parcels';
import { quantityRefusal } from './rules';

export async function startReturn(run: OrderRun, letter: Letter<ReturnRequest, ReturnView>): Promise<void> {
  const { state, orderNumber, input } = run;
  const request = letter.request;
  // Two requests can pass the validator together; the second is measured against the first here.
  const refusal = quantityRefusal(returnableQuantities(state.lines, state.shipments, state.returns), request.lines, false);
  if (refusal) return letter.refuse(refusal.message);
  const returnNo = state.returns.length + 1;
  const byLine = new Map(state.lines.map((line) => [line.lineNo, line]));
  const lines = request.lines.map((asked) => {
    const line = byLine.get(asked.lineNo) as (typeof state.lines)[number];
    return { lineNo: asked.lineNo, sku: line.sku, quantity: asked.quantity, refundPence: line.unitPricePence * asked.quantity };
  });
  const view: ReturnView = { returnNo, lines, reason: request.reason, status: 'REQUESTED', requestedAt: new Date().toISOString() };
  state.returns.push(view);
  const allBack = everythingReturned(state.lines, state.returns);
  const deliveryRefundPence = allBack && (state.shippingOption ?? 'standard') === 'standard' ? (state.totals?.shippingPence ?? 0) : 0;
  await record(run, { type: 'return_requested', actor: request.actor, reason: request.reason, data: { returnNo, lines, deliveryRefundPence } });
  if (state.status !== 'RETURN_REQUESTED') await transition(run, 'RETURN_REQUESTED', { actor: request.actor, data: { returnNo } });
  const delivered = state.liveShipments;
  const gramsPerUnit = Math.ceil(delivered.reduce((grams, shipment) => grams + (shipment.weightGrams ?? 0), 0) / Math.max(1, delivered.reduce((units, shipment) => units + unitsOf(shipment.lines ?? []), 0)));
  const child = await startChild(returnWorkflow, {
    workflowId: returnWorkflowId(orderNumber, returnNo),
    args: [
      {
        orderNumber,
        returnNo,
        lines,
        reason: request.reason,
        deliveryRefundPence,
        paymentIntentId: state.paidWith.paymentIntentId,
        customer: { name: input.customer.name, address: input.shippingAddress },
        carrier: state.carrierChoice?.carrier ?? 'royal-mail',
        service: 'return',
        weightGrams: Math.max(1, gramsPerUnit * unitsOf(lines)),
        orderWorkflowId: workflowInfo().workflowId,
        timings: run.shipmentTimings,
      },
    ],
  });
  child.result().then(
    (result) => state.finishedReturns.push({ returnNo, result }),
    (err: Error) => state.finishedReturns.push({ returnNo, error: failureMessage(err) }),
  );
  letter.reply(view);
}

export async function applyReturnNews(run: OrderRun, update: ShipmentUpdate): Promise<void> {
  const view = run.state.returns.find((started) => started.returnNo === update.shipmentNo);
  if (!view) return;
  if (update.type === 'booked') {
    const { booking } = update;
    Object.assign(view, { status: 'LABEL_ISSUED', trackingNumber: booking.trackingNumber, carrier: booking.carrier });
    await record(run, { type: 'return_label_issued', actor: `carrier:${booking.carrier}`, data: { returnNo: view.returnNo, carrier: booking.carrier, trackingNumber: booking.trackingNumber } });
  } else if (update.type === 'tracking' && update.changed) {
    if (update.status !== 'DELIVERED') view.status = 'IN_TRANSIT';
    await record(run, {
      type: 'return_tracking_updated',
      actor: `carrier:${view.carrier ?? 'carrier'}`,
      data: { returnNo: view.returnNo, trackingNumber: view.trackingNumber, status: update.status, latest: update.events[update.events.length - 1] },
    });
  } else if (update.type === 'exception') {
    await record(run, { type: 'return_parcel_exception', actor: 'system', reason: update.reason, data: { returnNo: view.returnNo, detail: update.detail } });
  }
}

/** A return's child has ended: refunded or failed; the last one open decides the order's status. */
export async function settleReturn(run: OrderRun, done: FinishedReturn): Promise<void> {
  const { state } = run;
  const view = state.returns.find((started) => started.returnNo === done.returnNo) as ReturnView;
  if (!done.result) {
    view.status = 'FAILED';
    await record(run, { type: 'return_failed', actor: 'system', reason: done.error, data: { returnNo: done.returnNo } });
  } else {
    view.status = 'REFUNDED';
    view.refundPence = done.result.refundPence;
    state.refundedPence += done.result.refundPence;
    await record(run, { type: 'return_received', actor: 'warehouse', data: { returnNo: done.returnNo, restoredUnits: done.result.restoredUnits } });
    await record(run, { type: 'return_refunded', actor: 'system', data: { returnNo: done.returnNo, refundPence: done.result.refundPence, refundId: done.result.refundId } });
  }
  if (state.openReturns === 0) {
    const every = everythingReturned(state.lines, state.returns);
    const anyBack = state.returns.some((started) => started.status === 'REFUNDED');
    const next: OrderStatus = every ? 'RETURNED' : anyBack ? 'PARTIALLY_RETURNED' : 'DELIVERED';
    if (next !== state.status) await transition(run, next, { actor: 'system', data: { returnNo: done.returnNo } });
  }
}
