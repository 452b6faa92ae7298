import {
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import {
  type BookingView,
  type ShipmentException,
  type ShipmentInput,
  type ShipmentInstruction,
  shipmentInstructionSignal,
  type ShipmentResult,
  shipmentStateQuery,
  type ShipmentUpdate,
  shipmentUpdateSignal,
  type TrackingEventView,
  type TrackingPush,
  trackingPushSignal,
} from './definitions';

/** Status changes one run follows before it continues as new: a parcel tracked for weeks keeps a short history. */
export const CHANGES_PER_RUN = 20;

/**
 * One parcel, from label to doorstep (or back to us). Books with the carrier the order chose, follows the
 * parcel by polling (inside one heartbeating activity) and by the carrier's pushes, and tells the order of
 * every change. When the parcel goes wrong it waits for the order's decision: keep following, or close.
 */
export async function shipmentWorkflow(input: ShipmentInput): Promise<ShipmentResult> {
  const { timings } = input;
  const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: timings.activityRetryMaxInterval, nonRetryableErrorTypes: ['CarrierRejected'] };
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry });
  const pollMs = msToNumber(timings.carrierPollInterval);
  const tracking = proxyActivities<Activities>({ startToCloseTimeout: '60 days', heartbeatTimeout: Math.max(3 * pollMs, 10_000), retry });
  const order = getExternalWorkflowHandle(input.notifyWorkflowId);
  const { workflowId } = workflowInfo();

  let carrier = input.carrier;
  let service = input.service;
  let booking: BookingView | undefined = input.carriedOver?.booking;
  let status = input.carriedOver?.status ?? 'PENDING';
  let eventCount = input.carriedOver?.eventCount ?? 0;
  let lastNewsAt = input.carriedOver?.lastNewsAt ?? Date.now();
  let changes = input.carriedOver?.changes ?? 0;
  let estimatedDelivery: string | undefined;
  let instruction: ShipmentInstruction | undefined;
  const pushes: TrackingPush[] = [];

  setHandler(shipmentInstructionSignal, (i) => {
    instruction = i;
  });
  setHandler(trackingPushSignal, (p) => {
    pushes.push(p);
  });
  setHandler(shipmentStateQuery, () => ({ status, booking, events: eventCount, historyLength: workflowInfo().historyLength }));

  const tell = (u: ShipmentUpdate) => order.signal(shipmentUpdateSignal, u);
  const ids = { kind: input.kind, shipmentNo: input.shipmentNo };

  async function nextInstruction(): Promise<ShipmentInstruction> {
    await condition(() => instruction !== undefined);
    const i = instruction as ShipmentInstruction;
    instruction = undefined;
    return i;
  }

  async function close(closedAs: 'REPLACED' | 'REFUNDED' | 'CANCELLED'): Promise<ShipmentResult> {
    await acts.closeShipment({ workflowId, closedAs, carrier: booking?.carrier, trackingNumber: booking?.trackingNumber });
    return { ...ids, outcome: closedAs, trackingNumber: booking?.trackingNumber };
  }

  /** Outbound parcels wait for a person; a return on its way to us is simply followed on. */
  async function raise(reason: ShipmentException, detail: string): Promise<ShipmentInstruction> {
    await acts.markShipmentException({ workflowId, reason, detail });
    await tell({ type: 'exception', ...ids, reason, detail });
    if (input.kind === 'return') return { action: 'resume' };
    const decision = await nextInstruction();
    if (decision.action === 'resume') await acts.markShipmentException({ workflowId, reason: null });
    return decision;
  }

  // ---- Booking: a rejection waits for a person, who may choose another carrier --------------------------
  while (!booking) {
    try {
      booking = await acts.bookParcel({
        orderNumber: input.orderNumber,
        kind: input.kind,
        shipmentNo: input.shipmentNo,
        workflowId,
        carrier,
        service,
        recipientName: input.recipientName,
        address: input.address,
        parcel: input.parcel,
        replacesShipmentNo: input.replacesShipmentNo,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = (err as { cause?: { type?: string; message?: string } }).cause;
      if (cause?.type !== 'CarrierRejected') throw err;
      const decision = await raise('CARRIER_REJECTED', cause.message ?? 'the carrier rejected the shipment');
      if (decision.action === 'close') return close(decision.closedAs ?? 'CANCELLED');
      carrier = decision.carrier ?? carrier;
      service = decision.service ?? service;
      continue;
    }
    status = 'LABEL_PURCHASED';
    lastNewsAt = Date.now();
    await tell({ type: 'booked', ...ids, booking });
  }
  const booked: BookingView = booking;

  // ---- Following: until delivered, or closed by the order -----------------------------------------------
  while (status !== 'DELIVERED') {
    if (instruction?.action === 'close') return close(instruction.closedAs ?? 'CANCELLED');
    if (changes >= CHANGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof shipmentWorkflow>({ ...input, carrier, service, carriedOver: { booking: booked, status, eventCount, lastNewsAt, changes: 0 } });
    }
    const news = await nextNews();
    if (news === 'closed') continue;
    if (news === 'stale') {
      const decision = await raise('STALE', `no tracking news from ${booked.carrier} since ${new Date(lastNewsAt).toISOString()}`);
      if (decision.action === 'close') return close(decision.closedAs ?? 'CANCELLED');
      lastNewsAt = Date.now();
      continue;
    }
    const changed = news.status !== status;
    const fresh = news.events.slice(news.fromPush ? 0 : eventCount);
    status = news.status;
    eventCount = news.fromPush ? eventCount : news.events.length;
    estimatedDelivery = news.estimatedDelivery ?? estimatedDelivery;
    lastNewsAt = Date.now();
    changes += 1;
    await acts.recordTracking({ workflowId, status, estimatedDelivery, events: fresh });
    await tell({ type: 'tracking', ...ids, status, events: fresh.map(({ status: s, description, occurredAt, location }) => ({ status: s, description, occurredAt, location })), estimatedDelivery, changed });
    if (changed && (status === 'FAILURE' || status === 'RETURNED_TO_SENDER')) {
      const reason: ShipmentException = status === 'FAILURE' ? 'DELIVERY_EXCEPTION' : 'RETURNED_TO_SENDER';
      const decision = await raise(reason, fresh[fresh.length - 1]?.description ?? status);
      if (decision.action === 'close') return close(decision.closedAs ?? 'CANCELLED');
    }
  }
  return { ...ids, outcome: 'DELIVERED', trackingNumber: booked.trackingNumber };

  /**
   * The next thing the carrier tells us: a poll that found a change, a push, or silence for too long. A push
   * or an instruction cancels the poll in flight, so neither waits for the next poll to be seen.
   */
  async function nextNews(): Promise<'stale' | 'closed' | { status: string; events: Array<TrackingEventView & { raw?: unknown }>; estimatedDelivery?: string; fromPush: boolean }> {
    const push = takePush();
    if (push) return push;
    const scope = new CancellationScope();
    const poll = scope.run(() =>
      tracking.followParcel({
        carrier: booked.carrier,
        trackingNumber: booked.trackingNumber,
        knownStatus: status,
        knownEvents: eventCount,
        pollIntervalMs: pollMs,
        staleAfterMs: msToNumber(timings.staleAfter),
        lastNewsAt,
        estimatedDelivery,
      }),
    );
    const interrupted = condition(() => pushes.length > 0 || instruction?.action === 'close').then(() => scope.cancel());
    try {
      const outcome = await poll;
      if (outcome.kind === 'stale') return 'stale';
      const info = outcome.info;
      return { status: info.status, events: info.events.map((e) => ({ status: e.status, description: e.description, occurredAt: e.occurredAt, location: e.location, raw: e.raw })), estimatedDelivery: info.estimatedDelivery, fromPush: false };
    } catch (err) {
      if (!isCancellation(err)) throw err;
      return takePush() ?? 'closed';
    } finally {
      void interrupted;
    }
  }

  function takePush(): { status: string; events: Array<TrackingEventView & { raw?: unknown }>; estimatedDelivery?: string; fromPush: true } | undefined {
    const mine = pushes.splice(0).filter((p) => p.trackingNumber === booking?.trackingNumber && p.events.length > 0);
    if (mine.length === 0) return undefined;
    const events = mine.flatMap((p) => p.events).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    return { status: events[events.length - 1].status, events, estimatedDelivery: mine[mine.length - 1].estimatedDelivery, fromPush: true };
  }
}
