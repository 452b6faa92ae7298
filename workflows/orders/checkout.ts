/**
 * Checkout: price and record the order, reserve its stock, open its payment. The checkout Update answers
 * with what this phase found (see checkoutResult), so the customer waits for exactly this and no more.
 */
import { condition, isCancellation, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { scrubControlCharacters } from '../../lib/controlCharacters';
import { CustomerEmailKey, OrderTotalPenceKey } from '../../temporal-config/searchAttributes';
import { type Stop, unpaidStop } from './compensation';
import { dataRejection, type OrderRun } from './context';
import type { AttentionReason, OrderInput } from './definitions';
import { exclusive, transition } from './eventLog';

export type CheckoutOutcome = { next: 'payment' } | { next: 'stop'; stop: Stop };

type RecordedOrder = Awaited<ReturnType<Activities['recordOrder']>>;

export async function checkout(run: OrderRun): Promise<CheckoutOutcome> {
  const { state, input, orderNumber } = run;
  const recorded = await recordOrder(run);
  if ('stop' in recorded) return { next: 'stop', stop: recorded.stop };
  state.lines = recorded.lines;
  state.totals = recorded.totals;
  upsertSearchAttributes([
    { key: CustomerEmailKey, value: input.customer.email },
    { key: OrderTotalPenceKey, value: recorded.totals.totalPence },
  ]);

  const reservation = await exclusive(run, () => run.local.reserveStock(orderNumber));
  if (!reservation.ok) {
    await transition(run, 'OUT_OF_STOCK', { actor: 'system', reason: 'INSUFFICIENT_STOCK', data: { shortLines: reservation.shortLines } });
    state.checkoutResult = { ok: false, status: 'OUT_OF_STOCK', shortLines: reservation.shortLines };
    return { next: 'stop', stop: { undo: 'nothing' } };
  }

  try {
    const totalPence = recorded.totals.totalPence;
    const intent = await run.paymentSetup.createPaymentIntent({ orderNumber, amountPence: totalPence, email: input.customer.email });
    state.payment = { paymentIntentId: intent.paymentIntentId, status: 'requires_payment_method', amountPence: totalPence };
    await transition(run, 'AWAITING_PAYMENT', { actor: 'customer', data: { paymentIntentId: intent.paymentIntentId, totalPence }, readModel: { paymentIntentId: intent.paymentIntentId } });
    state.checkoutResult = { ok: true, status: 'AWAITING_PAYMENT', totals: recorded.totals, paymentIntentId: intent.paymentIntentId, clientSecret: intent.clientSecret };
    return { next: 'payment' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.error('payment could not be opened; releasing stock', { orderId: orderNumber, error: (err as Error).message });
    state.checkoutResult = { ok: false, status: 'CANCELLED', reason: 'PAYMENT_SETUP_FAILED', message: 'the payment provider is unavailable; nothing was charged' };
    return { next: 'stop', stop: { undo: 'unpaid', reason: 'PAYMENT_SETUP_FAILED', actor: 'system', note: (err as Error).message } };
  }
}

/**
 * The order's rows, priced. An order started around the API's schemas is kept, minus what the database
 * refused, where admins look for orders: the admin cancels, or retries with the cleaned details.
 */
async function recordOrder(run: OrderRun): Promise<RecordedOrder | { stop: Stop }> {
  const { state, input } = run;
  let recorded: RecordedOrder | undefined;
  let refused: string | undefined;
  try {
    return await exclusive(run, () => run.local.recordOrder(input));
  } catch (err) {
    refused = dataRejection(err);
    if (refused === undefined) throw err;
  }
  Object.assign(input, cleanedOrderInput(input));
  state.customer = { email: input.customer.email, name: input.customer.name };
  try {
    recorded = await exclusive(run, () => run.local.recordOrder(input));
  } catch (err) {
    if (dataRejection(err) === undefined) throw err;
  }
  state.checkoutResult = { ok: false, status: 'NEEDS_ATTENTION', reason: 'DATA_REJECTED', message: 'the order could not be recorded as sent; nothing was charged, and our team has been told' };
  for (;;) {
    if ((await needsAttention(run, 'DATA_REJECTED', refused)) === 'cancel') return { stop: unpaidStop(state.pendingCancel) };
    if (recorded) return recorded;
    try {
      return await exclusive(run, () => run.local.recordOrder(input));
    } catch (err) {
      refused = dataRejection(err);
      if (refused === undefined) throw err;
    }
  }
}

/** Parks the order for a person before it has parcels; resumes where it was on retry. Returns the decision. */
async function needsAttention(run: OrderRun, reason: AttentionReason, detail: string): Promise<'retry' | 'cancel'> {
  const { state } = run;
  const resumeAt = state.status;
  state.flag(reason, detail);
  await transition(run, 'NEEDS_ATTENTION', { actor: 'system', reason, data: { detail, resumeAt } });
  await condition(() => state.resolution !== undefined || state.cancelRequest !== undefined);
  const decision = state.resolution ?? { action: 'cancel' as const, actor: state.cancelRequest?.actor ?? 'admin' };
  state.resolution = undefined;
  if (decision.action === 'cancel') {
    state.cancelRequest ??= { by: 'admin', actor: decision.actor, note: decision.note };
    return 'cancel';
  }
  state.flag(undefined);
  await transition(run, resumeAt, { actor: decision.actor, reason: 'ATTENTION_RETRY', data: { note: decision.note } });
  return 'retry';
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
