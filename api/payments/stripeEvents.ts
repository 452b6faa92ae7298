import type Stripe from 'stripe';
import type { OrderEvent } from '../../workflows/orders/events';
import { recordOrderEvent } from '../../domain/orders/recordOrderEvent';
import { latePaymentRefundWorkflow, latePaymentWorkflowId } from '../../workflows/payments/latePaymentRefundWorkflow';
import { disputeSignal, orderWorkflowId, paymentSignal, refundSignal } from '../../workflows/orders/definitions';
import type { ApiContext } from '../context';
import { orderIdSchema } from '../schemas';
import { isWorkflowGone } from '../temporal';

export interface EventOutcome {
  status: 'processed' | 'ignored';
  orderNumber?: string;
  paymentIntentId?: string;
  detail: string;
}

const idOf = (v: string | { id: string } | null | undefined): string | undefined => (typeof v === 'string' ? v : (v?.id ?? undefined));

/**
 * The order behind a payment: the intent's metadata when it names one of our orders, else our payments
 * table. Metadata is whatever whoever created the intent wrote: a name that is no order of ours is ignored
 * rather than signalled (or refunded against an order that does not exist).
 */
async function orderFor(ctx: ApiContext, paymentIntentId: string | undefined, metadata?: Stripe.Metadata | null): Promise<string | undefined> {
  const named = metadata?.orderId;
  if (named && orderIdSchema.safeParse(named).success && (await ctx.db('orders').where({ order_number: named }).first('order_number'))) return named;
  if (!paymentIntentId) return undefined;
  const row = await ctx.db('payments').where({ payment_intent_id: paymentIntentId }).first('order_number');
  return row?.order_number;
}

/**
 * Turns one verified Stripe event into a signal to its order. Throws only for outages (the caller answers
 * 503 so Stripe redelivers); unknown or finished orders are answered and recorded as ignored.
 */
export async function applyStripeEvent(ctx: ApiContext, event: Stripe.Event): Promise<EventOutcome> {
  const signalOrder = async <T>(orderNumber: string, send: (h: ReturnType<ApiContext['temporal']['workflow']['getHandle']>) => Promise<T>): Promise<boolean> => {
    try {
      await ctx.temporal.connection.withDeadline(Date.now() + 10_000, () => send(ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber))));
      return true;
    } catch (err) {
      if (isWorkflowGone(err)) return false;
      throw err;
    }
  };

  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled': {
      const intent = event.data.object;
      const orderNumber = await orderFor(ctx, intent.id, intent.metadata);
      if (!orderNumber) return { status: 'ignored', paymentIntentId: intent.id, detail: 'no order of ours holds this payment intent' };
      const outcome = event.type === 'payment_intent.succeeded' ? 'succeeded' : event.type === 'payment_intent.payment_failed' ? 'failed' : 'canceled';
      const amountPence = outcome === 'succeeded' ? intent.amount_received || intent.amount : intent.amount;
      const delivered = await signalOrder(orderNumber, (h) =>
        // The workflow applies a success only if intent, amount and currency are the ones it opened.
        h.signal(paymentSignal, { eventId: event.id, outcome, paymentIntentId: intent.id, amountPence, currency: intent.currency ?? '', message: intent.last_payment_error?.message ?? undefined }),
      );
      if (delivered) return { status: 'processed', orderNumber, paymentIntentId: intent.id, detail: `payment ${outcome} signalled` };
      if (outcome !== 'succeeded') return { status: 'ignored', orderNumber, paymentIntentId: intent.id, detail: 'order already finished' };
      // The order's workflow has ended: money for it goes back through a workflow keyed by the intent.
      await ctx.temporal.connection.withDeadline(Date.now() + 10_000, () =>
        ctx.temporal.workflow.start(latePaymentRefundWorkflow, {
          workflowId: latePaymentWorkflowId(intent.id),
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          args: [{ paymentIntentId: intent.id, amountPence, stripeEventId: event.id, orderNumber }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      ).catch((err: Error) => {
        if (err.name !== 'WorkflowExecutionAlreadyStartedError') throw err;
      });
      return { status: 'processed', orderNumber, paymentIntentId: intent.id, detail: 'late payment: refund workflow started' };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent);
      const orderNumber = await orderFor(ctx, paymentIntentId, charge.metadata);
      if (!orderNumber || !paymentIntentId) return { status: 'ignored', paymentIntentId, detail: 'no order of ours holds this charge' };
      const delivered = await signalOrder(orderNumber, (h) => h.signal(refundSignal, { eventId: event.id, paymentIntentId, amountRefundedPence: charge.amount_refunded }));
      if (!delivered) await recordOrderEvent<OrderEvent>(ctx.db, ctx.redis, { orderNumber, eventKey: `stripe-${event.id}`, type: 'refund_confirmed', actor: 'stripe', data: { paymentIntentId, amountRefundedPence: charge.amount_refunded, stripeEventId: event.id } });
      return { status: 'processed', orderNumber, paymentIntentId, detail: 'refund recorded' };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      const paymentIntentId = idOf(dispute.payment_intent);
      const orderNumber = await orderFor(ctx, paymentIntentId, dispute.metadata);
      if (!orderNumber) return { status: 'ignored', paymentIntentId, detail: 'no order of ours holds this dispute' };
      const delivered = await signalOrder(orderNumber, (h) => h.signal(disputeSignal, { eventId: event.id, paymentIntentId, amountPence: dispute.amount, reason: dispute.reason }));
      if (!delivered) {
        // A closed order has no workflow to flag: the audit trail and read model put it in front of an admin.
        await recordOrderEvent<OrderEvent>(ctx.db, ctx.redis, { orderNumber, eventKey: `stripe-${event.id}`, type: 'dispute_opened', actor: 'stripe', reason: dispute.reason, data: { amountPence: dispute.amount, stripeEventId: event.id }, readModel: { attentionReason: 'DISPUTE' } });
      }
      return { status: 'processed', orderNumber, paymentIntentId, detail: 'dispute flagged for an admin' };
    }
    default:
      return { status: 'ignored', detail: `event type ${event.type} is not used` };
  }
}
