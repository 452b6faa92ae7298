import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  proxyActivities,
  patched,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import type { OrderEventInput } from '../../activities/orders/recordOrderEvent';
import { type Announcement, announcementsFor } from './announcements';
import { AttentionReasonKey, CustomerEmailKey, OrderStatusKey, OrderTotalPenceKey } from '../../temporal-config/searchAttributes';
import {
  type AttentionReason,
  type AttentionResolution,
  CANCELLABLE_STATUSES,
  type CancelReason,
  type CancelRequest,
  cancelUpdate,
  type CheckoutResult,
  checkoutUpdate,
  disputeSignal,
  eraseCustomerSignal,
  type OrderInput,
  type OrderStatus,
  orderStateQuery,
  type OrderView,
  type PackedSignal,
  packedSignal,
  type PaymentSignal,
  paymentSignal,
  pickedSignal,
  refundSignal,
  resolveAttentionUpdate,
  TERMINAL_STATUSES,
  type WarehouseSignal,
} from './definitions';

const NON_RETRYABLE = ['InvalidOrder', 'StripeRejected', 'CarrierRejected'];
const WAREHOUSE = 'DY-LDN-1';
/** Until parcels are weighed per product (shipping issue), auto mode packs at this estimate per item. */
const ESTIMATED_GRAMS_PER_ITEM = 450;

/**
 * One customer order, from checkout to the end of its return window. The workflow decides; every side
 * effect is an activity keyed by the order, so retries and replays are harmless.
 */
export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  const { orderNumber, timings } = input;
  const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: timings.activityRetryMaxInterval, nonRetryableErrorTypes: NON_RETRYABLE };
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry });
  // Our own database writes are short and idempotent: run in the workflow task's worker, they save the
  // customer a server round trip each at checkout.
  const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '15s', localRetryThreshold: '10s', retry });
  // Checkout waits on this: a Stripe outage must end the order cleanly rather than hold the customer forever.
  const paymentSetup = proxyActivities<Activities>({ startToCloseTimeout: '20s', retry: { ...retry, maximumAttempts: 5 } });
  const notify = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { ...retry, nonRetryableErrorTypes: ['ChannelRejected'], maximumAttempts: timings.notificationMaxAttempts ?? 8 },
  });
  // Orders started before notifications existed replay without them.
  const notificationsOn = patched('customer-notifications');
  const pendingSends: Array<Promise<void>> = [];
  const tracking = proxyActivities<Activities>({
    startToCloseTimeout: '30 days',
    heartbeatTimeout: Math.max(3 * msToNumber(timings.carrierPollInterval), 10_000),
    retry,
  });

  const state: OrderView = {
    orderNumber,
    status: 'PENDING',
    customer: { email: input.customer.email, name: input.customer.name },
    lines: [],
    refundedPence: 0,
    warehouse: { parcels: [] },
  };
  let checkoutResult: CheckoutResult | undefined;
  let paymentOutcome: PaymentSignal | undefined;
  let cancelRequest: CancelRequest | undefined;
  let resolution: AttentionResolution | undefined;
  let picked: WarehouseSignal | undefined;
  let packed: PackedSignal | undefined;
  let bookingInFlight = false;
  let shipped = false;
  let eventNo = 0;
  const seenEvents = new Set<string>();
  const latePayments: PaymentSignal[] = [];
  const refundedIntents = new Set<string>();

  const isTerminal = () => TERMINAL_STATUSES.includes(state.status);
  // A function, not the variable: handlers set it between awaits, which TypeScript's narrowing cannot see.
  const pendingCancel = (): CancelRequest => cancelRequest ?? { by: 'admin', actor: 'system' };

  async function record(e: Omit<OrderEventInput, 'orderNumber' | 'eventKey'>): Promise<void> {
    eventNo += 1;
    const recorded = await db.recordOrderEvent({ ...e, orderNumber, eventKey: `wf-${eventNo}` });
    if (notificationsOn) {
      for (const announcement of announcementsFor(e)) {
        pendingSends.push(deliver(recorded.id, announcement).catch((err: Error) => log.error('notification not delivered', { orderId: orderNumber, template: announcement.template, error: err.message })));
      }
    }
  }

  /**
   * Sends one event's messages on every channel the customer (or the admins) should get it on, beside the
   * order's progress rather than in its way. A channel that finally fails is recorded and reported to admins.
   */
  async function deliver(orderEventId: number, a: Announcement): Promise<void> {
    const channels = await db.resolveChannels({ orderNumber, template: a.template, audience: a.audience });
    await Promise.all(
      channels.map(async (channel) => {
        const request = { orderNumber, orderEventId, template: a.template, audience: a.audience, channel, data: a.data };
        try {
          await notify.sendNotification(request);
        } catch (err) {
          if (isCancellation(err)) throw err;
          const error = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
          await db.markNotificationFailed({ ...request, error });
          if (a.audience === 'customer') await deliver(orderEventId, { template: 'admin_notification_failed', audience: 'admin', data: { channel, failedTemplate: a.template, error } });
        }
      }),
    );
  }

  /**
   * Every status change goes through here: the event log and read model first, then the workflow's state and
   * search attributes, so whoever reads the new status also finds it in the timeline.
   */
  async function transition(to: OrderStatus, e: { actor: string; reason?: string; data?: Record<string, unknown> } & Pick<OrderEventInput, 'readModel'>): Promise<void> {
    const from = state.status;
    await record({
      type: 'status_changed',
      fromStatus: from,
      toStatus: to,
      actor: e.actor,
      reason: e.reason,
      data: e.data,
      readModel: { status: to, cancelReason: state.cancelReason ?? null, attentionReason: state.attentionReason ?? null, ...e.readModel },
    });
    state.status = to;
    upsertSearchAttributes([
      { key: OrderStatusKey, value: to },
      { key: AttentionReasonKey, value: state.attentionReason ?? null },
    ]);
  }

  setHandler(orderStateQuery, () => state);

  setHandler(checkoutUpdate, async () => {
    await condition(() => checkoutResult !== undefined);
    return checkoutResult as CheckoutResult;
  });

  setHandler(paymentSignal, (p) => {
    if (seenEvents.has(p.eventId)) return;
    seenEvents.add(p.eventId);
    if (state.status === 'AWAITING_PAYMENT' && paymentOutcome === undefined && cancelRequest === undefined) {
      paymentOutcome = p;
    } else if (p.outcome === 'succeeded' && !(paymentOutcome?.outcome === 'succeeded' && paymentOutcome.paymentIntentId === p.paymentIntentId)) {
      // Money arrived for an order that no longer wants it: refunded before the workflow ends.
      latePayments.push(p);
    }
  });

  setHandler(refundSignal, async (r) => {
    if (seenEvents.has(r.eventId)) return;
    seenEvents.add(r.eventId);
    await record({ type: 'refund_confirmed', actor: 'stripe', data: { paymentIntentId: r.paymentIntentId, amountRefundedPence: r.amountRefundedPence, stripeEventId: r.eventId } });
  });

  setHandler(disputeSignal, async (d) => {
    if (seenEvents.has(d.eventId)) return;
    seenEvents.add(d.eventId);
    state.attentionReason = 'DISPUTE';
    state.attentionDetail = d.reason;
    upsertSearchAttributes([{ key: AttentionReasonKey, value: 'DISPUTE' }]);
    await record({ type: 'dispute_opened', actor: 'stripe', reason: d.reason, data: { amountPence: d.amountPence, stripeEventId: d.eventId }, readModel: { attentionReason: 'DISPUTE' } });
  });

  // Only workflow code can change its own search attributes: erasure clears CustomerEmail from here.
  setHandler(eraseCustomerSignal, () => {
    // Behind a patch: a worker of the previous build records the signal without the upsert, and a newer
    // one replaying that history must not add it.
    if (!patched('erase-customer')) return;
    state.customer = { email: 'erased', name: 'erased' };
    upsertSearchAttributes([{ key: CustomerEmailKey, value: null }]);
  });

  setHandler(pickedSignal, (s) => {
    picked ??= s;
  });
  setHandler(packedSignal, (s) => {
    packed ??= s;
  });

  setHandler(
    cancelUpdate,
    async (req) => {
      cancelRequest ??= req;
      await condition(() => isTerminal());
      return state;
    },
    {
      validator: (_req: CancelRequest) => {
        if (isTerminal()) throw ApplicationFailure.nonRetryable(`order is already ${state.status}`, 'NotCancellable');
        if (shipped || bookingInFlight || !(CANCELLABLE_STATUSES.includes(state.status) || state.status === 'NEEDS_ATTENTION')) {
          throw ApplicationFailure.nonRetryable('order has been handed to the carrier: request a return instead', 'NotCancellable');
        }
      },
    },
  );

  setHandler(
    resolveAttentionUpdate,
    async (r) => {
      resolution = r;
      await condition(() => state.status !== 'NEEDS_ATTENTION');
      return state;
    },
    {
      validator: (r) => {
        if (state.status !== 'NEEDS_ATTENTION') throw ApplicationFailure.nonRetryable(`order is ${state.status}, not NEEDS_ATTENTION`, 'NotInAttention');
        if (r.action === 'cancel' && shipped) throw ApplicationFailure.nonRetryable('order has shipped: it cannot be cancelled', 'NotCancellable');
      },
    },
  );

  async function refundLatePayments(): Promise<void> {
    while (latePayments.length > 0) {
      const p = latePayments.shift() as PaymentSignal;
      if (refundedIntents.has(p.paymentIntentId)) continue;
      refundedIntents.add(p.paymentIntentId);
      const refund = await acts.refundPayment({ orderNumber, paymentIntentId: p.paymentIntentId, amountPence: p.amountPence, reason: 'LATE_PAYMENT_AFTER_CANCELLATION', key: `late-${p.paymentIntentId}` });
      state.refundedPence += p.amountPence;
      await record({ type: 'late_payment_refunded', actor: 'system', data: { paymentIntentId: p.paymentIntentId, amountPence: p.amountPence, refundId: refund.refundId } });
    }
  }

  /** Ends the order, then keeps listening only long enough to refund money that raced the cancellation. */
  async function finish(): Promise<OrderView> {
    await refundLatePayments();
    await condition(allHandlersFinished);
    await refundLatePayments();
    // Every message owed is sent (or recorded as failed) before the order's history closes.
    for (let settled = 0; settled < pendingSends.length; ) {
      const batch = pendingSends.slice(settled);
      settled = pendingSends.length;
      await Promise.all(batch);
    }
    return state;
  }

  async function cancelUnpaid(reason: CancelReason, actor: string, note?: string): Promise<OrderView> {
    const restored = await acts.releaseStock(orderNumber, reason);
    const intent = state.payment;
    if (intent && paymentOutcome?.outcome !== 'canceled') {
      const cancelled = await acts.cancelPaymentIntent({ orderNumber, paymentIntentId: intent.paymentIntentId });
      if (cancelled.status === 'succeeded') latePayments.push({ eventId: `cancel-found-paid-${intent.paymentIntentId}`, outcome: 'succeeded', paymentIntentId: intent.paymentIntentId, amountPence: intent.amountPence });
      intent.status = cancelled.status === 'canceled' ? 'canceled' : intent.status;
    }
    state.cancelReason = reason;
    await transition('CANCELLED', { actor, reason, data: { restoredUnits: restored.restoredUnits, note } });
    return finish();
  }

  async function cancelPaid(req: CancelRequest): Promise<OrderView> {
    const reason: CancelReason = req.by === 'admin' ? 'ADMIN_CANCELLED' : 'CUSTOMER_CANCELLED';
    const restored = await acts.releaseStock(orderNumber, reason);
    const payment = state.payment as NonNullable<OrderView['payment']>;
    const refund = await acts.refundPayment({ orderNumber, paymentIntentId: payment.paymentIntentId, amountPence: payment.amountPence, reason, key: 'cancel' });
    refundedIntents.add(payment.paymentIntentId);
    state.refundedPence += payment.amountPence;
    payment.status = 'refunded';
    state.cancelReason = reason;
    state.attentionReason = undefined;
    await transition('CANCELLED', { actor: req.actor, reason, data: { restoredUnits: restored.restoredUnits, refundedPence: payment.amountPence, refundId: refund.refundId, note: req.note } });
    return finish();
  }

  /** Parks the order for a person; resumes where it was on retry. Returns the admin's decision. */
  async function needsAttention(reason: AttentionReason, detail: string): Promise<'retry' | 'cancel'> {
    const resumeAt = state.status;
    state.attentionReason = reason;
    state.attentionDetail = detail;
    await transition('NEEDS_ATTENTION', { actor: 'system', reason, data: { detail, resumeAt } });
    await condition(() => resolution !== undefined || cancelRequest !== undefined);
    const decision = resolution ?? { action: 'cancel' as const, actor: cancelRequest?.actor ?? 'admin' };
    resolution = undefined;
    if (decision.action === 'cancel') {
      cancelRequest ??= { by: 'admin', actor: decision.actor, note: decision.note };
      return 'cancel';
    }
    state.attentionReason = undefined;
    state.attentionDetail = undefined;
    await transition(resumeAt, { actor: decision.actor, reason: 'ATTENTION_RETRY', data: { note: decision.note } });
    return 'retry';
  }

  async function warehouseStep<T>(take: () => T | undefined, auto: () => T): Promise<T | undefined> {
    if (timings.warehouseMode === 'auto') {
      await condition(() => take() !== undefined || cancelRequest !== undefined, timings.warehouseAutoDelay);
      if (cancelRequest) return undefined;
      return take() ?? auto();
    }
    await condition(() => take() !== undefined || cancelRequest !== undefined);
    return cancelRequest ? undefined : take();
  }

  // ---- Checkout: price, reserve, open the payment -------------------------------------------------------
  const recorded = await db.recordOrder(input);
  state.lines = recorded.lines;
  state.totals = recorded.totals;
  upsertSearchAttributes([
    { key: CustomerEmailKey, value: input.customer.email },
    { key: OrderTotalPenceKey, value: recorded.totals.totalPence },
  ]);

  const reservation = await db.reserveStock(orderNumber);
  if (!reservation.ok) {
    await transition('OUT_OF_STOCK', { actor: 'system', reason: 'INSUFFICIENT_STOCK', data: { shortLines: reservation.shortLines } });
    checkoutResult = { ok: false, status: 'OUT_OF_STOCK', shortLines: reservation.shortLines };
    return finish();
  }

  try {
    const intent = await paymentSetup.createPaymentIntent({ orderNumber, amountPence: recorded.totals.totalPence, email: input.customer.email });
    state.payment = { paymentIntentId: intent.paymentIntentId, status: 'requires_payment_method', amountPence: recorded.totals.totalPence };
    await transition('AWAITING_PAYMENT', { actor: 'customer', data: { paymentIntentId: intent.paymentIntentId, totalPence: recorded.totals.totalPence }, readModel: { paymentIntentId: intent.paymentIntentId } });
    checkoutResult = { ok: true, status: 'AWAITING_PAYMENT', totals: recorded.totals, paymentIntentId: intent.paymentIntentId, clientSecret: intent.clientSecret };
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.error('payment could not be opened; releasing stock', { orderId: orderNumber, error: (err as Error).message });
    checkoutResult = { ok: false, status: 'CANCELLED', reason: 'PAYMENT_SETUP_FAILED', message: 'the payment provider is unavailable; nothing was charged' };
    return cancelUnpaid('PAYMENT_SETUP_FAILED', 'system', (err as Error).message);
  }

  // ---- Payment: the webhook decides, or the window closes -----------------------------------------------
  const settled = await condition(() => paymentOutcome !== undefined || cancelRequest !== undefined, timings.paymentWindow);
  if (cancelRequest && paymentOutcome?.outcome !== 'succeeded') {
    return cancelUnpaid(cancelRequest.by === 'admin' ? 'ADMIN_CANCELLED' : 'CUSTOMER_CANCELLED', cancelRequest.actor, cancelRequest.note);
  }
  if (!settled) return cancelUnpaid('PAYMENT_TIMEOUT', 'system');
  const outcome = paymentOutcome as PaymentSignal;
  if (outcome.outcome !== 'succeeded') {
    await acts.recordPaymentStatus({ paymentIntentId: outcome.paymentIntentId, status: outcome.outcome, failureMessage: outcome.message });
    return cancelUnpaid('PAYMENT_FAILED', 'stripe', outcome.message);
  }

  const payment = state.payment as NonNullable<OrderView['payment']>;
  payment.status = 'succeeded';
  await acts.recordPaymentStatus({ paymentIntentId: payment.paymentIntentId, status: 'succeeded' });
  await transition('PAID', { actor: 'stripe', data: { paymentIntentId: payment.paymentIntentId, amountPence: outcome.amountPence, stripeEventId: outcome.eventId } });
  if (cancelRequest) return cancelPaid(cancelRequest);

  // ---- Fulfilment: the warehouse picks and packs --------------------------------------------------------
  await transition('PROCESSING', { actor: 'system', data: { warehouse: WAREHOUSE } });
  if (cancelRequest) return cancelPaid(cancelRequest);
  await transition('PICKING', { actor: 'system', data: { warehouse: WAREHOUSE, pickingList: state.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) } });

  const pickedBy = await warehouseStep(() => picked, () => ({ by: 'auto-warehouse' }));
  if (!pickedBy) return cancelPaid(pendingCancel());
  state.warehouse.pickedBy = pickedBy.by;
  await record({ type: 'picked', actor: `warehouse:${pickedBy.by}`, data: { warehouse: WAREHOUSE } });

  const itemCount = state.lines.reduce((n, l) => n + l.quantity, 0);
  const packedBy = await warehouseStep(() => packed, () => ({ by: 'auto-warehouse', parcels: [{ weightGrams: itemCount * ESTIMATED_GRAMS_PER_ITEM }] }));
  if (!packedBy) return cancelPaid(pendingCancel());
  state.warehouse.packedBy = packedBy.by;
  state.warehouse.parcels = packedBy.parcels;
  await transition('PACKED', { actor: `warehouse:${packedBy.by}`, data: { parcels: packedBy.parcels } });

  // ---- Shipping: book with the carrier, then follow the parcel ------------------------------------------
  for (;;) {
    if (cancelRequest) return cancelPaid(cancelRequest);
    bookingInFlight = true;
    try {
      const weightGrams = state.warehouse.parcels.reduce((g, p) => g + p.weightGrams, 0);
      const booking = await acts.bookShipment({ orderNumber, shipmentNo: 1, recipientName: input.customer.name, address: input.shippingAddress, weightGrams });
      shipped = true;
      state.shipment = { carrier: booking.carrier, trackingNumber: booking.trackingNumber, status: 'LABEL_PURCHASED', events: [] };
      await transition('SHIPPED', { actor: `carrier:${booking.carrier}`, data: { carrier: booking.carrier, trackingNumber: booking.trackingNumber }, readModel: { carrier: booking.carrier, trackingNumber: booking.trackingNumber } });
      break;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = (err as { cause?: { type?: string; message?: string } }).cause;
      if (cause?.type !== 'CarrierRejected') throw err;
      bookingInFlight = false;
      if ((await needsAttention('CARRIER_REJECTED', cause.message ?? 'carrier rejected the shipment')) === 'cancel') return cancelPaid(pendingCancel());
    } finally {
      bookingInFlight = false;
    }
  }

  const shipment = state.shipment as NonNullable<OrderView['shipment']>;
  while (shipment.status !== 'DELIVERED') {
    const info = await tracking.awaitTrackingChange({ trackingNumber: shipment.trackingNumber, knownStatus: shipment.status, knownEvents: shipment.events.length, pollIntervalMs: msToNumber(timings.carrierPollInterval) });
    const changed = info.status !== shipment.status;
    shipment.status = info.status;
    shipment.estimatedDelivery = info.estimatedDelivery;
    shipment.events = info.events.map((e) => ({ status: e.status, description: e.description, occurredAt: e.occurredAt, location: e.location }));
    if (!changed) continue;
    await record({ type: 'tracking_updated', actor: `carrier:${shipment.carrier}`, data: { trackingNumber: shipment.trackingNumber, status: info.status, latest: shipment.events[shipment.events.length - 1] } });
    if (info.status === 'FAILURE' || info.status === 'RETURNED_TO_SENDER') {
      const reason = info.status === 'FAILURE' ? 'DELIVERY_EXCEPTION' : 'RETURNED_TO_SENDER';
      await needsAttention(reason, shipment.events[shipment.events.length - 1]?.description ?? info.status);
    }
  }
  await transition('DELIVERED', { actor: `carrier:${shipment.carrier}`, data: { trackingNumber: shipment.trackingNumber } });

  // ---- Returns stay possible until the window closes; the workflow (and its search attributes) stays live.
  state.returnWindowEndsAt = new Date(Date.now() + msToNumber(timings.returnWindow)).toISOString();
  await sleep(timings.returnWindow);
  await record({ type: 'return_window_closed', actor: 'system' });
  return finish();
}
