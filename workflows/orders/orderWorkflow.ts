import {
  allHandlersFinished,
  ApplicationFailure,
  type ChildWorkflowHandle,
  condition,
  isCancellation,
  log,
  proxyActivities,
  patched,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import type { OrderEventInput } from '../../domain/orders/recordOrderEvent';
import { type Announcement, announcementsFor } from './announcements';
import { paymentMismatches } from './paymentRule';
import { scrubControlCharacters } from '../../lib/controlCharacters';
import { aggregateStatus, assignParcels, attentionReasonOf, everythingReturned, returnableQuantities, unitsOf } from './parcels';
import { shipmentWorkflow } from '../shipping/shipmentWorkflow';
import { type Parcel, shipmentInstructionSignal, type ShipmentUpdate, shipmentUpdateSignal, shipmentWorkflowId } from '../shipping/definitions';
import { returnWorkflow } from '../returns/returnWorkflow';
import { type ReturnResult, returnWorkflowId } from '../returns/definitions';
import { AttentionReasonKey, CustomerEmailKey, OrderStatusKey, OrderTotalPenceKey } from '../../temporal-config/searchAttributes';
import {
  type AttentionReason,
  type AttentionResolution,
  CANCELLABLE_STATUSES,
  type CancelReason,
  type CancelRequest,
  cancelUpdate,
  type CarrierChoice,
  type CheckoutResult,
  checkoutUpdate,
  DATA_REJECTED_FAILURE,
  overrideCarrierUpdate,
  type ReturnRequest,
  requestReturnUpdate,
  type ReturnView,
  type ShipmentView,
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

const NON_RETRYABLE = ['InvalidOrder', 'StripeRejected', 'CarrierRejected', DATA_REJECTED_FAILURE];
/** Every order is charged in pounds; Stripe names currencies in lower case. */
const ORDER_CURRENCY = 'gbp';

/** The database's (or a schema's) words when an activity failed on its data; undefined for any other failure. */
function dataRejection(err: unknown): string | undefined {
  // An activity's failure is its cause; a local activity's may arrive as the failure itself.
  for (let e = err as { cause?: unknown; type?: string; message?: string } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.type === DATA_REJECTED_FAILURE) return e.message ?? 'the database refused the data';
  }
  return undefined;
}

/** The customer's details without what the database refused, cut to the columns' sizes. */
function cleanedOrderInput(input: OrderInput): Pick<OrderInput, 'customer' | 'shippingAddress' | 'items'> {
  const clean = scrubControlCharacters({ customer: input.customer, shippingAddress: input.shippingAddress, items: input.items });
  const cut = (s: string | undefined, n: number) => (typeof s === 'string' ? s.slice(0, n) : s);
  return {
    customer: { email: cut(clean.customer.email, 254) as string, name: cut(clean.customer.name, 200) as string, ...(clean.customer.phone ? { phone: cut(clean.customer.phone, 30) } : {}) },
    shippingAddress: {
      ...clean.shippingAddress,
      line1: cut(clean.shippingAddress.line1, 200) as string,
      ...(clean.shippingAddress.line2 !== undefined ? { line2: cut(clean.shippingAddress.line2, 200) } : {}),
      city: cut(clean.shippingAddress.city, 100) as string,
      postcode: cut(clean.shippingAddress.postcode, 16) as string,
    },
    items: clean.items,
  };
}
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
  // Orders started before multi-parcel shipping keep their single sandbox parcel on replay.
  const parcelsOn = patched('shipments-as-children');
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
  // Multi-parcel shipping: each parcel a child workflow that reports here; one queue so the log keeps order.
  const inbox: ShipmentUpdate[] = [];
  const children = new Map<number, ChildWorkflowHandle<typeof shipmentWorkflow>>();
  const exceptions: Array<{ shipmentNo: number; reason: AttentionReason; detail: string }> = [];
  const resolutions: Array<{ r: AttentionResolution; done: boolean; error?: string }> = [];
  const returnRequests: Array<{ req: ReturnRequest; view?: ReturnView; error?: string }> = [];
  const finishedReturns: Array<{ returnNo: number; result?: ReturnResult; error?: string }> = [];
  let handedToCarrier = false;
  let resumeAt: OrderStatus = 'PACKED';
  const refundedIntents = new Set<string>();

  const isTerminal = () => TERMINAL_STATUSES.includes(state.status);
  // A function, not the variable: handlers set it between awaits, which TypeScript's narrowing cannot see.
  const pendingCancel = (): CancelRequest => cancelRequest ?? { by: 'admin', actor: 'system' };

  async function record(e: Omit<OrderEventInput, 'orderNumber' | 'eventKey'>): Promise<void> {
    eventNo += 1;
    const eventKey = `wf-${eventNo}`;
    let written: { event: typeof e; id: number } | undefined;
    try {
      written = { event: e, id: (await db.recordOrderEvent({ ...e, orderNumber, eventKey })).id };
    } catch (err) {
      const rejected = dataRejection(err);
      if (rejected === undefined) throw err;
      written = await recordRefused(e, eventKey, rejected);
      if (!written) return;
    }
    announce(written.event, written.id);
  }

  function announce(e: Omit<OrderEventInput, 'orderNumber' | 'eventKey'>, id: number): void {
    if (notificationsOn) {
      for (const announcement of announcementsFor(e)) {
        pendingSends.push(deliver(id, announcement).catch((err: Error) => log.error('notification not delivered', { orderId: orderNumber, template: announcement.template, error: err.message })));
      }
    }
  }

  /**
   * An event the database refused (the data came around our schemas): written again under the same key (the
   * first write never landed) without control characters, then, if even that is refused, as its bare status
   * change; each at most once, so a refused record can never loop. The order carries on, and an admin is told.
   */
  async function recordRefused(e: Omit<OrderEventInput, 'orderNumber' | 'eventKey'>, eventKey: string, rejected: string): Promise<{ event: typeof e; id: number } | undefined> {
    const clean = scrubControlCharacters(e);
    const cut = (s: string | undefined) => (typeof s === 'string' ? s.slice(0, 200) : s);
    const attempts: Array<typeof e> = [
      { ...clean, actor: cut(clean.actor) as string, reason: cut(clean.reason), data: { ...(clean.data ?? {}), dataRejected: rejected } },
      { type: e.type, fromStatus: e.fromStatus, toStatus: e.toStatus, actor: 'system', reason: cut(clean.reason), data: { dataRejected: rejected }, readModel: clean.readModel },
    ];
    let written: { event: typeof e; id: number } | undefined;
    for (const attempt of attempts) {
      try {
        written = { event: attempt, id: (await db.recordOrderEvent({ ...attempt, orderNumber, eventKey })).id };
        break;
      } catch (err) {
        if (dataRejection(err) === undefined) throw err;
      }
    }
    if (!written) log.error('order event refused by the database even when cleaned; not recorded', { orderId: orderNumber, type: e.type, error: rejected });
    const flag = state.attentionReason === undefined;
    if (flag) {
      state.attentionReason = 'DATA_REJECTED';
      state.attentionDetail = rejected;
      upsertSearchAttributes([{ key: AttentionReasonKey, value: 'DATA_REJECTED' }]);
    }
    eventNo += 1;
    const flagged: Omit<OrderEventInput, 'orderNumber' | 'eventKey'> = {
      type: 'data_rejected',
      actor: 'system',
      reason: 'DATA_REJECTED',
      data: { detail: rejected, eventType: e.type, recorded: written !== undefined },
      ...(flag ? { readModel: { attentionReason: 'DATA_REJECTED' } } : {}),
    };
    try {
      announce(flagged, (await db.recordOrderEvent({ ...flagged, orderNumber, eventKey: `wf-${eventNo}` })).id);
    } catch (err) {
      if (dataRejection(err) === undefined) throw err;
      log.error('data_rejected not recorded', { orderId: orderNumber, error: rejected });
    }
    return written;
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

  setHandler(paymentSignal, async (p) => {
    if (seenEvents.has(p.eventId)) return;
    seenEvents.add(p.eventId);
    if (state.status === 'AWAITING_PAYMENT' && paymentOutcome === undefined && cancelRequest === undefined) {
      const opened = state.payment as NonNullable<OrderView['payment']>;
      // Only the payment this order opened pays it: a signed event for another intent, amount or currency does not.
      const problems =
        p.outcome === 'succeeded'
          ? paymentMismatches({ paymentIntentId: opened.paymentIntentId, amountPence: opened.amountPence, currency: ORDER_CURRENCY }, p)
          : p.paymentIntentId === opened.paymentIntentId
            ? []
            : [`PaymentIntent ${p.paymentIntentId} is not the order's ${opened.paymentIntentId}`];
      if (problems.length > 0) return paymentMismatch(p, problems);
      paymentOutcome = p;
    } else if (p.outcome === 'succeeded' && !(paymentOutcome?.outcome === 'succeeded' && paymentOutcome.paymentIntentId === p.paymentIntentId)) {
      // Money arrived for an order that no longer wants it: refunded before the workflow ends.
      latePayments.push(p);
    }
  });

  const mismatchRefunds = new Set<string>();
  /**
   * Recorded for staff, flagged for an admin without stopping the order (like a dispute), and the money given
   * back once: the key names the order and the intent, so a redelivery or a retry never refunds twice.
   */
  async function paymentMismatch(p: PaymentSignal, problems: string[]): Promise<void> {
    const opened = state.payment as NonNullable<OrderView['payment']>;
    const detail = problems.join('; ');
    log.warn('payment refused: it is not the one this order opened', { orderId: orderNumber, paymentIntentId: p.paymentIntentId, detail });
    if (state.attentionReason === undefined || state.attentionReason === 'PAYMENT_MISMATCH') {
      state.attentionReason = 'PAYMENT_MISMATCH';
      state.attentionDetail = detail;
      upsertSearchAttributes([{ key: AttentionReasonKey, value: 'PAYMENT_MISMATCH' }]);
    }
    const moneyMoved = p.outcome === 'succeeded' && p.amountPence > 0;
    await record({
      type: 'payment_mismatch',
      actor: 'stripe',
      reason: 'PAYMENT_MISMATCH',
      data: {
        detail,
        outcome: p.outcome,
        paymentIntentId: p.paymentIntentId,
        amountPence: p.amountPence,
        currency: p.currency,
        stripeEventId: p.eventId,
        expected: { paymentIntentId: opened.paymentIntentId, amountPence: opened.amountPence, currency: ORDER_CURRENCY },
        refunding: moneyMoved && !mismatchRefunds.has(p.paymentIntentId),
      },
      readModel: { attentionReason: state.attentionReason ?? null },
    });
    if (!moneyMoved || mismatchRefunds.has(p.paymentIntentId) || refundedIntents.has(p.paymentIntentId)) return;
    mismatchRefunds.add(p.paymentIntentId);
    const refund = await acts.refundPayment({ orderNumber, paymentIntentId: p.paymentIntentId, amountPence: p.amountPence, reason: 'PAYMENT_MISMATCH', key: `mismatch-${p.paymentIntentId}` });
    await record({ type: 'payment_mismatch_refunded', actor: 'system', reason: 'PAYMENT_MISMATCH', data: { paymentIntentId: p.paymentIntentId, amountPence: p.amountPence, currency: p.currency, refundId: refund.refundId } });
  }

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

  setHandler(shipmentUpdateSignal, (u) => {
    inbox.push(u);
  });

  setHandler(
    overrideCarrierUpdate,
    async (o: { carrier: string; actor: string; note?: string }) => {
      const choice = await db.recordCarrierOverride({ orderNumber, carrier: o.carrier, actor: o.actor, note: o.note });
      state.carrierChoice = choice;
      await record({ type: 'carrier_overridden', actor: o.actor, reason: choice.reason, data: { ...choice, note: o.note } });
      return choice;
    },
    {
      validator: (_o: { carrier: string; actor: string; note?: string }) => {
        if (!parcelsOn) throw ApplicationFailure.nonRetryable('this order ships with the sandbox carrier only', 'NotOverridable');
        if (isTerminal()) throw ApplicationFailure.nonRetryable(`order is already ${state.status}`, 'NotOverridable');
        if ((state.shipments ?? []).some((sh) => sh.trackingNumber)) throw ApplicationFailure.nonRetryable('a parcel has already been booked: the carrier can no longer change', 'NotOverridable');
      },
    },
  );

  setHandler(
    requestReturnUpdate,
    async (req) => {
      const entry: { req: ReturnRequest; view?: ReturnView; error?: string } = { req };
      returnRequests.push(entry);
      await condition(() => entry.view !== undefined || entry.error !== undefined);
      if (entry.error) throw ApplicationFailure.nonRetryable(entry.error, 'ReturnRefused');
      return entry.view as ReturnView;
    },
    {
      validator: (req) => {
        if (!parcelsOn || !state.returnWindowEndsAt) throw ApplicationFailure.nonRetryable(`order is ${state.status}: returns open once it is delivered`, 'ReturnRefused');
        if (Date.now() >= Date.parse(state.returnWindowEndsAt)) {
          throw ApplicationFailure.nonRetryable(`the return window closed on ${state.returnWindowEndsAt}`, 'ReturnWindowClosed');
        }
        const left = returnableQuantities(state.lines, state.shipments ?? [], state.returns ?? []);
        for (const l of req.lines) {
          const max = left.get(l.lineNo);
          if (max === undefined) throw ApplicationFailure.nonRetryable(`line ${l.lineNo} is not a delivered line of this order`, 'ReturnRefused');
          if (l.quantity > max) throw ApplicationFailure.nonRetryable(`line ${l.lineNo}: only ${max} can still be returned`, 'ReturnRefused');
        }
      },
    },
  );

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
        const booked = (state.shipments ?? []).some((sh) => sh.trackingNumber);
        const parcelsMoving = handedToCarrier && (booked || state.status !== 'NEEDS_ATTENTION');
        if (shipped || bookingInFlight || parcelsMoving || !(CANCELLABLE_STATUSES.includes(state.status) || state.status === 'NEEDS_ATTENTION')) {
          throw ApplicationFailure.nonRetryable('order has been handed to the carrier: request a return instead', 'NotCancellable');
        }
      },
    },
  );

  setHandler(
    resolveAttentionUpdate,
    async (r) => {
      if (!handedToCarrier) {
        resolution = r;
        await condition(() => state.status !== 'NEEDS_ATTENTION');
        return state;
      }
      // Parcels each have their own problem: the update answers once this one decision has been carried out.
      const entry: { r: AttentionResolution; done: boolean; error?: string } = { r, done: false };
      resolutions.push(entry);
      await condition(() => entry.done);
      if (entry.error) throw ApplicationFailure.nonRetryable(entry.error, 'ResolutionFailed');
      return state;
    },
    {
      validator: (r) => {
        if (state.status !== 'NEEDS_ATTENTION') throw ApplicationFailure.nonRetryable(`order is ${state.status}, not NEEDS_ATTENTION`, 'NotInAttention');
        const booked = shipped || (state.shipments ?? []).some((sh) => sh.trackingNumber);
        if (r.action === 'cancel' && booked) throw ApplicationFailure.nonRetryable('order has shipped: it cannot be cancelled', 'NotCancellable');
        if (!handedToCarrier) {
          if (r.action !== 'retry' && r.action !== 'cancel') throw ApplicationFailure.nonRetryable(`${r.action} applies to a parcel with the carrier; this order has none yet`, 'NotApplicable');
          return;
        }
        const target = r.shipmentNo === undefined ? exceptions[0] : exceptions.find((x) => x.shipmentNo === r.shipmentNo);
        if (!target && r.action !== 'cancel') throw ApplicationFailure.nonRetryable(`parcel ${r.shipmentNo ?? ''} has no open problem`.replace('  ', ' '), 'NotApplicable');
        if (r.action === 'reship' && target?.reason === 'CARRIER_REJECTED') throw ApplicationFailure.nonRetryable('the parcel was never booked: retry the booking (perhaps with another carrier) instead', 'NotApplicable');
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

  /**
   * Ends the order. A success can still arrive while the last task completes: the server then refuses the
   * completion and the retried task sees the signal, so the order looks again after every wait and closes only
   * when no money is left to give back and every message owed is sent (or recorded as failed).
   */
  async function finish(): Promise<OrderView> {
    for (let settled = 0; ; ) {
      await refundLatePayments();
      await condition(allHandlersFinished);
      const batch = pendingSends.slice(settled);
      if (batch.length === 0 && latePayments.length === 0) return state;
      settled = pendingSends.length;
      await Promise.all(batch);
    }
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

  // ---- Multi-parcel shipping: each parcel a child workflow, this order the one writer of their news -----
  const shipmentTimings = {
    carrierPollInterval: timings.carrierPollInterval,
    staleAfter: timings.trackingStaleAfter ?? '5 days',
    activityRetryMaxInterval: timings.activityRetryMaxInterval,
  };
  const shipmentOf = (no: number): ShipmentView | undefined => (state.shipments ?? []).find((sh) => sh.shipmentNo === no);

  async function startShipment(parcel: Parcel, replacesShipmentNo?: number): Promise<void> {
    const shipments = (state.shipments ??= []);
    const shipmentNo = shipments.length + 1;
    const choice = state.carrierChoice as CarrierChoice;
    shipments.push({ shipmentNo, carrier: choice.carrier, service: choice.service, trackingNumber: '', status: 'PENDING', events: [], lines: parcel.lines, weightGrams: parcel.weightGrams, replacesShipmentNo });
    handedToCarrier = true;
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
          timings: shipmentTimings,
        },
      ],
    });
    children.set(shipmentNo, child);
  }

  async function applyUpdate(u: ShipmentUpdate): Promise<void> {
    if (u.kind === 'return') return applyReturnUpdate(u);
    const sh = shipmentOf(u.shipmentNo);
    if (!sh || sh.closedAs) return;
    if (u.type === 'booked') {
      Object.assign(sh, { trackingNumber: u.booking.trackingNumber, carrier: u.booking.carrier, service: u.booking.service, labelUrl: u.booking.labelUrl, status: 'LABEL_PURCHASED' });
      state.shipment ??= sh;
      await record({
        type: 'shipment_booked',
        actor: `carrier:${sh.carrier}`,
        data: { shipmentNo: sh.shipmentNo, carrier: sh.carrier, service: sh.service, trackingNumber: sh.trackingNumber, labelUrl: sh.labelUrl, lines: sh.lines, weightGrams: sh.weightGrams },
        readModel: { carrier: sh.carrier, trackingNumber: sh.trackingNumber },
      });
    } else if (u.type === 'tracking') {
      sh.status = u.status;
      sh.estimatedDelivery = u.estimatedDelivery ?? sh.estimatedDelivery;
      sh.events.push(...u.events);
      if (u.changed) {
        await record({
          type: 'tracking_updated',
          actor: `carrier:${sh.carrier}`,
          data: { shipmentNo: sh.shipmentNo, trackingNumber: sh.trackingNumber, status: u.status, latest: sh.events[sh.events.length - 1], estimatedDelivery: sh.estimatedDelivery },
        });
      }
    } else {
      sh.exception = { reason: u.reason, detail: u.detail };
      const reason = attentionReasonOf(u.reason);
      exceptions.push({ shipmentNo: u.shipmentNo, reason, detail: u.detail });
      if (state.status === 'NEEDS_ATTENTION') {
        await record({ type: 'shipment_exception', actor: 'system', reason, data: { shipmentNo: sh.shipmentNo, detail: u.detail } });
        return;
      }
      resumeAt = state.status;
      state.attentionReason = reason;
      state.attentionDetail = u.detail;
      await transition('NEEDS_ATTENTION', { actor: 'system', reason, data: { detail: u.detail, shipmentNo: sh.shipmentNo, trackingNumber: sh.trackingNumber || undefined, resumeAt } });
    }
  }

  /** The parcels' statuses add up to the order's; nothing moves while a person is deciding. */
  async function syncStatus(actor: string): Promise<void> {
    if (state.status === 'NEEDS_ATTENTION' || isTerminal()) return;
    const next = aggregateStatus(state.shipments ?? []);
    if (!next || next === state.status) return;
    const parcels = (state.shipments ?? []).filter((sh) => !sh.closedAs).map((sh) => ({ shipmentNo: sh.shipmentNo, carrier: sh.carrier, trackingNumber: sh.trackingNumber, status: sh.status }));
    if (next === 'DELIVERED') state.returnWindowEndsAt = new Date(Date.now() + msToNumber(timings.returnWindow)).toISOString();
    await transition(next, { actor, data: { parcels, returnWindowEndsAt: state.returnWindowEndsAt } });
  }

  /** Carries out one admin decision on one parcel's problem; the update that asked waits for the outcome. */
  async function resolveOne(entry: { r: AttentionResolution; done: boolean; error?: string }): Promise<void> {
    const { r } = entry;
    try {
      if (r.action === 'cancel') {
        cancelRequest ??= { by: 'admin', actor: r.actor, note: r.note };
        return;
      }
      const at = r.shipmentNo === undefined ? 0 : exceptions.findIndex((x) => x.shipmentNo === r.shipmentNo);
      const target = exceptions[at];
      if (!target) throw new Error(`parcel ${r.shipmentNo} has no open problem`);
      const sh = shipmentOf(target.shipmentNo) as ShipmentView;
      const child = children.get(target.shipmentNo) as ChildWorkflowHandle<typeof shipmentWorkflow>;
      const lines = sh.lines ?? [];
      if (r.action === 'retry' || r.action === 'resolve') {
        await child.signal(shipmentInstructionSignal, { action: 'resume', carrier: state.carrierChoice?.carrier, service: state.carrierChoice?.service });
        await record({ type: 'shipment_resumed', actor: r.actor, reason: target.reason, data: { shipmentNo: sh.shipmentNo, action: r.action, note: r.note } });
      } else if (r.action === 'reship') {
        const newNo = (state.shipments ?? []).length + 1;
        await acts.reserveForReship({ orderNumber, shipmentNo: newNo, lines });
        await child.signal(shipmentInstructionSignal, { action: 'close', closedAs: 'REPLACED' });
        sh.closedAs = 'REPLACED';
        await record({ type: 'reshipped', actor: r.actor, reason: target.reason, data: { shipmentNo: sh.shipmentNo, newShipmentNo: newNo, lines, note: r.note } });
        await startShipment({ lines, weightGrams: sh.weightGrams ?? 0 }, sh.shipmentNo);
      } else {
        const byLine = new Map(state.lines.map((l) => [l.lineNo, l]));
        const linesPence = lines.reduce((sum, l) => sum + (byLine.get(l.lineNo)?.unitPricePence ?? 0) * l.quantity, 0);
        // When no parcel will ever arrive, the delivery charge was for nothing: it goes back too.
        const othersLive = (state.shipments ?? []).some((o) => o !== sh && !o.closedAs);
        const amountPence = linesPence + (othersLive ? 0 : (state.totals?.shippingPence ?? 0));
        const payment = state.payment as NonNullable<OrderView['payment']>;
        const refund = await acts.refundPayment({ orderNumber, paymentIntentId: payment.paymentIntentId, amountPence, reason: 'LINES_REFUNDED', key: `shipment-${sh.shipmentNo}-lines` });
        state.refundedPence += amountPence;
        await child.signal(shipmentInstructionSignal, { action: 'close', closedAs: 'REFUNDED' });
        sh.closedAs = 'REFUNDED';
        await record({ type: 'lines_refunded', actor: r.actor, reason: target.reason, data: { shipmentNo: sh.shipmentNo, lines, refundPence: amountPence, refundId: refund.refundId, note: r.note } });
      }
      sh.exception = undefined;
      exceptions.splice(at, 1);
      if (exceptions.length > 0) {
        state.attentionReason = exceptions[0].reason;
        state.attentionDetail = exceptions[0].detail;
        upsertSearchAttributes([{ key: AttentionReasonKey, value: exceptions[0].reason }]);
        return;
      }
      state.attentionReason = undefined;
      state.attentionDetail = undefined;
      if (aggregateStatus(state.shipments ?? []) === undefined) {
        await transition('REFUNDED', { actor: r.actor, reason: 'ALL_LINES_REFUNDED', data: { refundedPence: state.refundedPence, note: r.note } });
      } else {
        await transition(resumeAt, { actor: r.actor, reason: 'ATTENTION_RETRY', data: { action: r.action, shipmentNo: sh.shipmentNo, note: r.note } });
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      entry.error = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    } finally {
      entry.done = true;
    }
  }

  /** Stops every parcel still waiting to be booked, then refunds and restocks the whole order. */
  async function cancelBeforeBooking(req: CancelRequest): Promise<OrderView> {
    const closing: Array<Promise<unknown>> = [];
    for (const sh of state.shipments ?? []) {
      const child = children.get(sh.shipmentNo as number);
      if (sh.closedAs || !child) continue;
      sh.closedAs = 'CANCELLED';
      await child.signal(shipmentInstructionSignal, { action: 'close', closedAs: 'CANCELLED' });
      closing.push(child.result().catch(() => undefined));
    }
    exceptions.length = 0;
    for (const entry of resolutions.splice(0)) entry.done = true;
    await Promise.all(closing);
    return cancelPaid(req);
  }

  async function shipParcels(parcels: Parcel[], actor: string): Promise<OrderView> {
    for (const parcel of parcels) await startShipment(parcel);
    for (;;) {
      await condition(() => inbox.length > 0 || resolutions.length > 0 || cancelRequest !== undefined);
      if (cancelRequest) {
        if (!(state.shipments ?? []).some((sh) => sh.trackingNumber)) return cancelBeforeBooking(cancelRequest);
        cancelRequest = undefined;
      }
      const entry = resolutions.shift();
      if (entry) await resolveOne(entry);
      while (inbox.length > 0) await applyUpdate(inbox.shift() as ShipmentUpdate);
      await syncStatus(state.shipments?.find((sh) => !sh.closedAs)?.carrier ? `carrier:${state.shipments?.find((sh) => !sh.closedAs)?.carrier}` : actor);
      if (isTerminal()) return finish();
      if (state.status === 'DELIVERED') return afterDelivery();
    }
  }

  // ---- Returns: inside the window, each a child workflow; the order stays open until the last is done ---
  const openReturns = () => (state.returns ?? []).filter((r) => r.status !== 'REFUNDED' && r.status !== 'FAILED').length;

  async function startReturn(entry: { req: ReturnRequest; view?: ReturnView; error?: string }): Promise<void> {
    // Two requests can pass the validator together; the second is measured against the first here.
    const left = returnableQuantities(state.lines, state.shipments ?? [], state.returns ?? []);
    const over = entry.req.lines.find((l) => l.quantity > (left.get(l.lineNo) ?? 0));
    if (over) {
      entry.error = `line ${over.lineNo}: only ${left.get(over.lineNo) ?? 0} can still be returned`;
      return;
    }
    const returns = (state.returns ??= []);
    const returnNo = returns.length + 1;
    const byLine = new Map(state.lines.map((l) => [l.lineNo, l]));
    const lines = entry.req.lines.map((l) => {
      const line = byLine.get(l.lineNo) as (typeof state.lines)[number];
      return { lineNo: l.lineNo, sku: line.sku, quantity: l.quantity, refundPence: line.unitPricePence * l.quantity };
    });
    const view: ReturnView = { returnNo, lines, reason: entry.req.reason, status: 'REQUESTED', requestedAt: new Date().toISOString() };
    returns.push(view);
    const allBack = everythingReturned(state.lines, returns);
    const deliveryRefundPence = allBack && (state.shippingOption ?? 'standard') === 'standard' ? (state.totals?.shippingPence ?? 0) : 0;
    await record({ type: 'return_requested', actor: entry.req.actor, reason: entry.req.reason, data: { returnNo, lines, deliveryRefundPence } });
    if (state.status !== 'RETURN_REQUESTED') await transition('RETURN_REQUESTED', { actor: entry.req.actor, data: { returnNo } });
    const delivered = (state.shipments ?? []).filter((sh) => !sh.closedAs);
    const gramsPerUnit = Math.ceil(delivered.reduce((g, sh) => g + (sh.weightGrams ?? 0), 0) / Math.max(1, delivered.reduce((n, sh) => n + unitsOf(sh.lines ?? []), 0)));
    const child = await startChild(returnWorkflow, {
      workflowId: returnWorkflowId(orderNumber, returnNo),
      args: [
        {
          orderNumber,
          returnNo,
          lines,
          reason: entry.req.reason,
          deliveryRefundPence,
          paymentIntentId: (state.payment as NonNullable<OrderView['payment']>).paymentIntentId,
          customer: { name: input.customer.name, address: input.shippingAddress },
          carrier: state.carrierChoice?.carrier ?? 'royal-mail',
          service: 'return',
          weightGrams: Math.max(1, gramsPerUnit * unitsOf(lines)),
          orderWorkflowId: workflowInfo().workflowId,
          timings: shipmentTimings,
        },
      ],
    });
    child.result().then(
      (result) => finishedReturns.push({ returnNo, result }),
      (err: Error) => finishedReturns.push({ returnNo, error: (err as { cause?: Error }).cause?.message ?? err.message }),
    );
    entry.view = view;
  }

  async function applyReturnUpdate(u: ShipmentUpdate): Promise<void> {
    const view = (state.returns ?? []).find((r) => r.returnNo === u.shipmentNo);
    if (!view) return;
    if (u.type === 'booked') {
      Object.assign(view, { status: 'LABEL_ISSUED', trackingNumber: u.booking.trackingNumber, carrier: u.booking.carrier });
      await record({ type: 'return_label_issued', actor: `carrier:${u.booking.carrier}`, data: { returnNo: view.returnNo, carrier: u.booking.carrier, trackingNumber: u.booking.trackingNumber } });
    } else if (u.type === 'tracking' && u.changed) {
      if (u.status !== 'DELIVERED') view.status = 'IN_TRANSIT';
      await record({ type: 'return_tracking_updated', actor: `carrier:${view.carrier ?? 'carrier'}`, data: { returnNo: view.returnNo, trackingNumber: view.trackingNumber, status: u.status, latest: u.events[u.events.length - 1] } });
    } else if (u.type === 'exception') {
      await record({ type: 'return_parcel_exception', actor: 'system', reason: u.reason, data: { returnNo: view.returnNo, detail: u.detail } });
    }
  }

  async function settleReturn(done: { returnNo: number; result?: ReturnResult; error?: string }): Promise<void> {
    const view = (state.returns ?? []).find((r) => r.returnNo === done.returnNo) as ReturnView;
    if (!done.result) {
      view.status = 'FAILED';
      await record({ type: 'return_failed', actor: 'system', reason: done.error, data: { returnNo: done.returnNo } });
    } else {
      view.status = 'REFUNDED';
      view.refundPence = done.result.refundPence;
      state.refundedPence += done.result.refundPence;
      await record({ type: 'return_received', actor: 'warehouse', data: { returnNo: done.returnNo, restoredUnits: done.result.restoredUnits } });
      await record({ type: 'return_refunded', actor: 'system', data: { returnNo: done.returnNo, refundPence: done.result.refundPence, refundId: done.result.refundId } });
    }
    if (openReturns() === 0) {
      const every = everythingReturned(state.lines, state.returns ?? []);
      const anyBack = (state.returns ?? []).some((r) => r.status === 'REFUNDED');
      const next: OrderStatus = every ? 'RETURNED' : anyBack ? 'PARTIALLY_RETURNED' : 'DELIVERED';
      if (next !== state.status) await transition(next, { actor: 'system', data: { returnNo: done.returnNo } });
    }
  }

  async function afterDelivery(): Promise<OrderView> {
    let windowClosed = false;
    void sleep(Date.parse(state.returnWindowEndsAt as string) - Date.now()).then(() => {
      windowClosed = true;
    });
    const waiting = () => returnRequests.filter((x) => !x.view && !x.error);
    for (;;) {
      await condition(() => waiting().length > 0 || finishedReturns.length > 0 || inbox.length > 0 || (windowClosed && openReturns() === 0));
      for (const entry of waiting()) {
        if (windowClosed) entry.error = `the return window closed on ${state.returnWindowEndsAt}`;
        else await startReturn(entry);
      }
      while (inbox.length > 0) await applyUpdate(inbox.shift() as ShipmentUpdate);
      while (finishedReturns.length > 0) await settleReturn(finishedReturns.shift() as { returnNo: number; result?: ReturnResult; error?: string });
      if (windowClosed && openReturns() === 0 && waiting().length === 0) break;
    }
    await record({ type: 'return_window_closed', actor: 'system' });
    return finish();
  }

  // ---- Checkout: price, reserve, open the payment -------------------------------------------------------
  let recordedOrder: Awaited<ReturnType<Activities['recordOrder']>> | undefined;
  let refused: string | undefined;
  try {
    recordedOrder = await db.recordOrder(input);
  } catch (err) {
    refused = dataRejection(err);
    if (refused === undefined) throw err;
  }
  if (refused !== undefined) {
    // Started around the API's schemas: keep the order, minus what was refused, where admins look for orders.
    Object.assign(input, cleanedOrderInput(input));
    state.customer = { email: input.customer.email, name: input.customer.name };
    try {
      recordedOrder = await db.recordOrder(input);
    } catch (err) {
      if (dataRejection(err) === undefined) throw err;
    }
    checkoutResult = { ok: false, status: 'NEEDS_ATTENTION', reason: 'DATA_REJECTED', message: 'the order could not be recordedOrder as sent; nothing was charged, and our team has been told' };
    // The admin cancels, or retries with the cleaned details (recordedOrder now, or again if even they were refused).
    for (;;) {
      if ((await needsAttention('DATA_REJECTED', refused)) === 'cancel') {
        const c = pendingCancel();
        return cancelUnpaid(c.by === 'admin' ? 'ADMIN_CANCELLED' : 'CUSTOMER_CANCELLED', c.actor, c.note);
      }
      if (recordedOrder) break;
      try {
        recordedOrder = await db.recordOrder(input);
        break;
      } catch (err) {
        refused = dataRejection(err);
        if (refused === undefined) throw err;
      }
    }
  }
  const recorded = recordedOrder as NonNullable<typeof recordedOrder>;
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
  // The warehouse gets a suggested split from the carriers' parcel limits; the carrier is chosen by rate.
  const plan = parcelsOn ? await db.planOrderShipment(orderNumber) : undefined;
  if (plan) {
    state.carrierChoice = plan.choice;
    state.shippingOption = plan.level;
  }
  await transition('PICKING', { actor: 'system', data: { warehouse: WAREHOUSE, pickingList: state.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) } });
  if (plan) await record({ type: 'picking_list_planned', actor: 'system', data: { parcels: plan.parcels, carrier: plan.choice.carrier, service: plan.choice.service, reason: plan.choice.reason } });

  const pickedBy = await warehouseStep(() => picked, () => ({ by: 'auto-warehouse' }));
  if (!pickedBy) return cancelPaid(pendingCancel());
  state.warehouse.pickedBy = pickedBy.by;
  await record({ type: 'picked', actor: `warehouse:${pickedBy.by}`, data: { warehouse: WAREHOUSE } });

  const itemCount = state.lines.reduce((n, l) => n + l.quantity, 0);
  const autoParcels = plan
    ? plan.parcels.map((p) => ({ weightGrams: p.weightGrams, lines: p.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })) }))
    : [{ weightGrams: itemCount * ESTIMATED_GRAMS_PER_ITEM }];
  const packedBy = await warehouseStep(() => packed, () => ({ by: 'auto-warehouse', parcels: autoParcels }));
  if (!packedBy) return cancelPaid(pendingCancel());
  state.warehouse.packedBy = packedBy.by;
  state.warehouse.parcels = packedBy.parcels;
  await transition('PACKED', { actor: `warehouse:${packedBy.by}`, data: { parcels: packedBy.parcels } });
  if (parcelsOn) return shipParcels(assignParcels(state.lines, packedBy.parcels), `warehouse:${packedBy.by}`);

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
