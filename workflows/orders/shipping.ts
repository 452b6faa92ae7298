/**
 * Shipping: each parcel a child workflow (shipmentWorkflow) that books it and follows it, reporting here; this
 * order is the one writer of their news. A parcel's problem waits for an admin's decision (resolutions.ts).
 * Ends when every live parcel is delivered, or with nothing left to deliver, or cancelled before any booking.
 */
import { condition, startChild, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import { AttentionReasonKey } from '../../temporal-config/searchAttributes';
import { shipmentWorkflow } from '../shipping/shipmentWorkflow';
import { type Parcel, type ShipmentUpdate, shipmentWorkflowId } from '../shipping/definitions';
import type { Stop } from './compensation';
import type { OrderRun } from './context';
import type { CarrierChoice } from './definitions';
import { record, transition } from './eventLog';
import { aggregateStatus, attentionReasonOf } from './parcels';
import { resolveOne } from './resolutions';
import { applyReturnNews } from './returns';

export type ShippingOutcome = { next: 'return_window' } | { next: 'stop'; stop: Stop };

export async function shipping(run: OrderRun, parcels: Parcel[], actor: string): Promise<ShippingOutcome> {
  const { state } = run;
  for (const parcel of parcels) await startShipment(run, parcel);
  for (;;) {
    await condition(() => state.shipmentNews.length > 0 || state.resolutions.waiting > 0 || state.cancelRequest !== undefined);
    if (state.cancelRequest) {
      if (!state.anyParcelBooked) return { next: 'stop', stop: { undo: 'parcels', request: state.cancelRequest } };
      // Validated before the first booking, arrived after it: too late, the parcel is moving.
      state.cancelRequest = undefined;
    }
    const decision = state.resolutions.take();
    if (decision) await resolveOne(run, decision);
    await applyAllNews(run);
    const carrier = state.liveShipments[0]?.carrier;
    await syncStatus(run, carrier ? `carrier:${carrier}` : actor);
    if (state.isTerminal) return { next: 'stop', stop: { undo: 'nothing' } };
    if (state.status === 'DELIVERED') return { next: 'return_window' };
  }
}

export async function startShipment(run: OrderRun, parcel: Parcel, replacesShipmentNo?: number): Promise<void> {
  const { state, orderNumber, input } = run;
  const shipmentNo = state.shipments.length + 1;
  const choice = state.carrierChoice as CarrierChoice;
  state.shipments.push({ shipmentNo, carrier: choice.carrier, service: choice.service, trackingNumber: '', status: 'PENDING', events: [], lines: parcel.lines, weightGrams: parcel.weightGrams, replacesShipmentNo });
  const child = await startChild(shipmentWorkflow, {
    workflowId: shipmentWorkflowId(orderNumber, 'outbound', shipmentNo),
    args: [
      {
        orderNumber,
        kind: 'outbound',
        shipmentNo,
        carrier: choice.carrier,
        service: choice.service,
        recipientName: input.customer.name,
        address: input.shippingAddress,
        parcel,
        replacesShipmentNo,
        notifyWorkflowId: workflowInfo().workflowId,
        timings: run.shipmentTimings,
      },
    ],
  });
  run.children.set(shipmentNo, child);
}

/** Every parcel's news that has arrived, in order. */
export async function applyAllNews(run: OrderRun): Promise<void> {
  const news = run.state.shipmentNews;
  for (let update = news.shift(); update; update = news.shift()) {
    if (update.kind === 'return') await applyReturnNews(run, update);
    else await applyParcelNews(run, update);
  }
}

async function applyParcelNews(run: OrderRun, update: ShipmentUpdate): Promise<void> {
  const { state } = run;
  const shipment = state.shipmentOf(update.shipmentNo);
  if (!shipment || shipment.closedAs) return;
  if (update.type === 'booked') {
    const { booking } = update;
    Object.assign(shipment, { trackingNumber: booking.trackingNumber, carrier: booking.carrier, service: booking.service, labelUrl: booking.labelUrl, status: 'LABEL_PURCHASED' });
    state.firstShipment ??= shipment;
    await record(run, {
      type: 'shipment_booked',
      actor: `carrier:${shipment.carrier}`,
      data: { shipmentNo: shipment.shipmentNo, carrier: shipment.carrier, service: shipment.service, trackingNumber: shipment.trackingNumber, labelUrl: shipment.labelUrl, lines: shipment.lines, weightGrams: shipment.weightGrams },
      readModel: { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber },
    });
  } else if (update.type === 'tracking') {
    shipment.status = update.status;
    shipment.estimatedDelivery = update.estimatedDelivery ?? shipment.estimatedDelivery;
    shipment.events.push(...update.events);
    if (update.changed) {
      await record(run, {
        type: 'tracking_updated',
        actor: `carrier:${shipment.carrier}`,
        data: { shipmentNo: shipment.shipmentNo, trackingNumber: shipment.trackingNumber, status: update.status, latest: shipment.events[shipment.events.length - 1], estimatedDelivery: shipment.estimatedDelivery },
      });
    }
  } else {
    shipment.exception = { reason: update.reason, detail: update.detail };
    const reason = attentionReasonOf(update.reason);
    state.openProblems.push({ shipmentNo: update.shipmentNo, reason, detail: update.detail });
    if (state.status === 'NEEDS_ATTENTION') {
      await record(run, { type: 'shipment_exception', actor: 'system', reason, data: { shipmentNo: shipment.shipmentNo, detail: update.detail } });
      return;
    }
    state.resumeAt = state.status;
    state.flag(reason, update.detail);
    await transition(run, 'NEEDS_ATTENTION', { actor: 'system', reason, data: { detail: update.detail, shipmentNo: shipment.shipmentNo, trackingNumber: shipment.trackingNumber || undefined, resumeAt: state.resumeAt } });
  }
}

/** The parcels' statuses add up to the order's; nothing moves while a person is deciding. */
async function syncStatus(run: OrderRun, actor: string): Promise<void> {
  const { state } = run;
  if (state.status === 'NEEDS_ATTENTION' || state.isTerminal) return;
  const next = aggregateStatus(state.shipments);
  if (!next || next === state.status) return;
  const parcels = state.liveShipments.map((shipment) => ({ shipmentNo: shipment.shipmentNo, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, status: shipment.status }));
  if (next === 'DELIVERED') state.returnWindowEndsAt = new Date(Date.now() + msToNumber(run.input.timings.returnWindow)).toISOString();
  await transition(run, next, { actor, data: { parcels, returnWindowEndsAt: state.returnWindowEndsAt } });
}

/** After a decision: the next open problem is what the order shows, or none. */
export function showFirstProblem(run: OrderRun): boolean {
  const { state } = run;
  const first = state.openProblems[0];
  if (!first) {
    state.flag(undefined);
    return false;
  }
  state.flag(first.reason, first.detail);
  upsertSearchAttributes([{ key: AttentionReasonKey, value: first.reason }]);
  return true;
}
