/**
 * Payment: the webhook decides, or the window closes, or the order is cancelled while unpaid. The payment
 * signal's rule (only the payment this order opened pays it) lives here too.
 */
import { condition, log, upsertSearchAttributes } from '@temporalio/workflow';
import { AttentionReasonKey } from '../../temporal-config/searchAttributes';
import { type Stop, unpaidStop } from './compensation';
import { ORDER_CURRENCY, type OrderRun } from './context';
import type { PaymentSignal } from './definitions';
import { record, transition } from './eventLog';
import { paymentMismatches } from './paymentRule';

export type PaymentOutcome = { next: 'warehouse' } | { next: 'stop'; stop: Stop };

export async function payment(run: OrderRun): Promise<PaymentOutcome> {
  const { state } = run;
  const settled = await condition(() => state.paymentOutcome !== undefined || state.cancelRequest !== undefined, run.input.timings.paymentWindow);
  if (state.cancelRequest && state.paymentOutcome?.outcome !== 'succeeded') return { next: 'stop', stop: unpaidStop(state.cancelRequest) };
  if (!settled) return { next: 'stop', stop: { undo: 'unpaid', reason: 'PAYMENT_TIMEOUT', actor: 'system' } };
  const outcome = state.paymentOutcome as PaymentSignal;
  if (outcome.outcome !== 'succeeded') {
    await run.remote.recordPaymentStatus({ paymentIntentId: outcome.paymentIntentId, status: outcome.outcome, failureMessage: outcome.message });
    return { next: 'stop', stop: { undo: 'unpaid', reason: 'PAYMENT_FAILED', actor: 'stripe', note: outcome.message } };
  }

  const paid = state.paidWith;
  paid.status = 'succeeded';
  await run.remote.recordPaymentStatus({ paymentIntentId: paid.paymentIntentId, status: 'succeeded' });
  await transition(run, 'PAID', { actor: 'stripe', data: { paymentIntentId: paid.paymentIntentId, amountPence: outcome.amountPence, stripeEventId: outcome.eventId } });
  if (state.cancelRequest) return { next: 'stop', stop: { undo: 'paid', request: state.cancelRequest } };
  return { next: 'warehouse' };
}

/**
 * A payment webhook, once per Stripe event. While the order waits, it settles the payment if it is the one the
 * order opened; a success for an order that no longer wants it is kept to be refunded before the order ends.
 */
export async function onPayment(run: OrderRun, signal: PaymentSignal): Promise<void> {
  const { state } = run;
  if (state.seenEvents.has(signal.eventId)) return;
  state.seenEvents.add(signal.eventId);
  if (state.status === 'AWAITING_PAYMENT' && state.paymentOutcome === undefined && state.cancelRequest === undefined) {
    const opened = state.paidWith;
    const problems =
      signal.outcome === 'succeeded'
        ? paymentMismatches({ paymentIntentId: opened.paymentIntentId, amountPence: opened.amountPence, currency: ORDER_CURRENCY }, signal)
        : signal.paymentIntentId === opened.paymentIntentId
          ? []
          : [`PaymentIntent ${signal.paymentIntentId} is not the order's ${opened.paymentIntentId}`];
    if (problems.length > 0) return refuseMismatch(run, signal, problems);
    state.paymentOutcome = signal;
  } else if (signal.outcome === 'succeeded' && !(state.paymentOutcome?.outcome === 'succeeded' && state.paymentOutcome.paymentIntentId === signal.paymentIntentId)) {
    state.latePayments.push(signal);
  }
}

/**
 * Recorded for staff, flagged for an admin without stopping the order (like a dispute), and the money given
 * back once: the key names the order and the intent, so a redelivery or a retry never refunds twice.
 */
async function refuseMismatch(run: OrderRun, signal: PaymentSignal, problems: string[]): Promise<void> {
  const { state, orderNumber } = run;
  const opened = state.paidWith;
  const detail = problems.join('; ');
  log.warn('payment refused: it is not the one this order opened', { orderId: orderNumber, paymentIntentId: signal.paymentIntentId, detail });
  if (state.attentionReason === undefined || state.attentionReason === 'PAYMENT_MISMATCH') {
    state.flag('PAYMENT_MISMATCH', detail);
    upsertSearchAttributes([{ key: AttentionReasonKey, value: 'PAYMENT_MISMATCH' }]);
  }
  const moneyMoved = signal.outcome === 'succeeded' && signal.amountPence > 0;
  await record(run, {
    type: 'payment_mismatch',
    actor: 'stripe',
    reason: 'PAYMENT_MISMATCH',
    data: {
      detail,
      outcome: signal.outcome,
      paymentIntentId: signal.paymentIntentId,
      amountPence: signal.amountPence,
      currency: signal.currency,
      stripeEventId: signal.eventId,
      expected: { paymentIntentId: opened.paymentIntentId, amountPence: opened.amountPence, currency: ORDER_CURRENCY },
      refunding: moneyMoved && !state.mismatchRefunds.has(signal.paymentIntentId),
    },
    readModel: { attentionReason: state.attentionReason ?? null },
  });
  if (!moneyMoved || state.mismatchRefunds.has(signal.paymentIntentId) || state.refundedIntents.has(signal.paymentIntentId)) return;
  state.mismatchRefunds.add(signal.paymentIntentId);
  const refund = await run.remote.refundPayment({ orderNumber, paymentIntentId: signal.paymentIntentId, amountPence: signal.amountPence, reason: 'PAYMENT_MISMATCH', key: `mismatch-${signal.paymentIntentId}` });
  await record(run, { type: 'payment_mismatch_refunded', actor: 'system', reason: 'PAYMENT_MISMATCH', data: { paymentIntentId: signal.paymentIntentId, amountPence: signal.amountPence, currency: signal.currency, refundId: refund.refundId } });
}
