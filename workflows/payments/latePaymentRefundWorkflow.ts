import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

export interface LatePaymentInput {
  paymentIntentId: string;
  amountPence: number;
  stripeEventId: string;
  /** From the intent's metadata, when Stripe sent it. */
  orderNumber?: string;
}

export interface LatePaymentOutcome {
  refunded: boolean;
  reason: string;
  orderNumber?: string;
}

const { describePayment, refundPayment, recordOrderEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['StripeRejected'] },
});

/** Statuses in which the order wants no money: a payment that lands then is given back. */
const REFUND_WHEN = ['CANCELLED', 'OUT_OF_STOCK'];

/**
 * Money that arrives after its order's workflow has ended. Keyed by the PaymentIntent (workflow id
 * `refund-<pi>`), and its refund shares the order workflow's key, so the two paths can never both refund.
 */
export async function latePaymentRefundWorkflow(input: LatePaymentInput): Promise<LatePaymentOutcome> {
  const known = await describePayment(input.paymentIntentId);
  const orderNumber = known.orderNumber ?? input.orderNumber;
  if (!orderNumber || !known.orderStatus) return { refunded: false, reason: 'no order of ours holds this payment intent', orderNumber };
  if (!REFUND_WHEN.includes(known.orderStatus)) return { refunded: false, reason: `order is ${known.orderStatus}: the payment is wanted`, orderNumber };

  const refund = await refundPayment({ orderNumber, paymentIntentId: input.paymentIntentId, amountPence: input.amountPence, reason: 'LATE_PAYMENT_AFTER_CANCELLATION', key: `late-${input.paymentIntentId}` });
  await recordOrderEvent({
    orderNumber,
    eventKey: `late-refund-${input.paymentIntentId}`,
    type: 'late_payment_refunded',
    actor: 'system',
    data: { paymentIntentId: input.paymentIntentId, amountPence: input.amountPence, refundId: refund.refundId, stripeEventId: input.stripeEventId },
  });
  return { refunded: true, reason: refund.alreadyRefunded ? 'already refunded' : 'refunded', orderNumber };
}

export const latePaymentWorkflowId = (paymentIntentId: string): string => `refund-${paymentIntentId}`;
