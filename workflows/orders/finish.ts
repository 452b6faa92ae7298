import { allHandlersFinished, condition } from '@temporalio/workflow';
import type { OrderRun } from './context';
import { record } from './eventLog';
import type { OrderView } from './definitions';

/**
 * Ends the order. A success can still arrive while the last task completes: the server then refuses the
 * completion and the retried task sees the signal, so the order looks again after every wait and closes only
 * when no money is left to give back.
 */
export async function finish(run: OrderRun): Promise<OrderView> {
  for (;;) {
    await refundLatePayments(run);
    await condition(allHandlersFinished);
    if (run.state.latePayments.length === 0) return run.state.view();
  }
}

/** Money for an order that no longer wants it, given back once per PaymentIntent. */
async function refundLatePayments(run: OrderRun): Promise<void> {
  const { state, orderNumber } = run;
  for (let payment = state.latePayments.shift(); payment; payment = state.latePayments.shift()) {
    if (state.refundedIntents.has(payment.paymentIntentId)) continue;
    state.refundedIntents.add(payment.paymentIntentId);
    const refund = await run.remote.refundPayment({ orderNumber, paymentIntentId: payment.paymentIntentId, amountPence: payment.amountPence, reason: 'LATE_PAYMENT_AFTER_CANCELLATION', key: `late-${payment.paymentIntentId}` });
    state.refundedPence += payment.amountPence;
    await record(run, { type: 'late_payment_refunded', actor: 'system', data: { paymentIntentId: payment.paymentIntentId, amountPence: payment.amountPence, refundId: refund.refundId } });
  }
}
