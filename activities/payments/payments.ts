import { ApplicationFailure } from '@temporalio/activity';
import Stripe from 'stripe';
import type { Db } from '../../db/connection';

export interface CreatedPayment {
  paymentIntentId: string;
  clientSecret: string;
}

/** Stripe's 4xx (other than 409/429) will not change on retry; its 5xx and connection errors will. */
function rethrow(err: unknown, what: string): never {
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode ?? 0;
    if (status >= 400 && status < 500 && status !== 409 && status !== 429) {
      throw ApplicationFailure.nonRetryable(`${what}: ${err.message}`, 'StripeRejected', { code: err.code, status });
    }
  }
  throw err;
}

/** Amount from the priced order; the key from the order, so a retried activity never opens a second intent. */
export async function createPaymentIntent(
  db: Db,
  stripe: Stripe,
  p: { orderNumber: string; amountPence: number; email: string },
): Promise<CreatedPayment> {
  const existing = await db('payments').where({ order_number: p.orderNumber }).first();
  let intent: Stripe.PaymentIntent;
  try {
    intent = existing
      ? await stripe.paymentIntents.retrieve(existing.payment_intent_id)
      : await stripe.paymentIntents.create(
          {
            amount: p.amountPence,
            currency: 'gbp',
            automatic_payment_methods: { enabled: true },
            receipt_email: p.email,
            description: `DY Official order ${p.orderNumber}`,
            metadata: { orderId: p.orderNumber },
          },
          { idempotencyKey: `pi-create-${p.orderNumber}` },
        );
  } catch (err) {
    rethrow(err, 'creating the PaymentIntent');
  }
  if (!existing) {
    await db('payments')
      .insert({ order_number: p.orderNumber, payment_intent_id: intent.id, amount_pence: p.amountPence, status: 'requires_payment_method' })
      .onConflict('payment_intent_id')
      .ignore();
  }
  return { paymentIntentId: intent.id, clientSecret: intent.client_secret ?? '' };
}

export async function recordPaymentStatus(db: Db, p: { paymentIntentId: string; status: string; failureMessage?: string }): Promise<void> {
  await db('payments')
    .where({ payment_intent_id: p.paymentIntentId })
    .update({ status: p.status, failure_message: p.failureMessage ?? null, updated_at: db.fn.now() });
}

/**
 * Cancels an intent that can still be cancelled. One that already succeeded cannot: the caller refunds it.
 */
export async function cancelPaymentIntent(
  db: Db,
  stripe: Stripe,
  p: { orderNumber: string; paymentIntentId: string },
): Promise<{ status: 'canceled' | 'succeeded' | 'already_final' }> {
  try {
    await stripe.paymentIntents.cancel(p.paymentIntentId, {}, { idempotencyKey: `pi-cancel-${p.orderNumber}` });
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'payment_intent_unexpected_state') {
      const intent = await stripe.paymentIntents.retrieve(p.paymentIntentId);
      if (intent.status === 'succeeded') return { status: 'succeeded' };
      return { status: 'already_final' };
    }
    rethrow(err, 'cancelling the PaymentIntent');
  }
  await recordPaymentStatus(db, { paymentIntentId: p.paymentIntentId, status: 'canceled' });
  return { status: 'canceled' };
}

/**
 * Refunds money taken for an order. The key names the reason (cancellation, late payment, …), so each
 * reason refunds at most once, whoever retries it.
 */
export async function refundPayment(
  db: Db,
  stripe: Stripe,
  p: { orderNumber: string; paymentIntentId: string; amountPence: number; reason: string; key: string },
): Promise<{ refundId: string; status: string; alreadyRefunded: boolean }> {
  const idempotencyKey = `refund-${p.orderNumber}-${p.key}`;
  const existing = await db('refunds').where({ idempotency_key: idempotencyKey }).first();
  if (existing?.stripe_refund_id) return { refundId: existing.stripe_refund_id, status: existing.status, alreadyRefunded: true };
  let refund: Stripe.Refund;
  try {
    refund = await stripe.refunds.create(
      { payment_intent: p.paymentIntentId, amount: p.amountPence, reason: 'requested_by_customer', metadata: { orderId: p.orderNumber, reason: p.reason } },
      { idempotencyKey },
    );
  } catch (err) {
    rethrow(err, 'refunding the payment');
  }
  await db('refunds')
    .insert({
      order_number: p.orderNumber,
      payment_intent_id: p.paymentIntentId,
      idempotency_key: idempotencyKey,
      stripe_refund_id: refund.id,
      amount_pence: p.amountPence,
      reason: p.reason,
      status: refund.status ?? 'pending',
    })
    .onConflict('idempotency_key')
    .merge(['stripe_refund_id', 'status']);
  // A return or a refunded parcel gives back part of the payment: the read model must not claim all of it.
  const [paid, back] = await Promise.all([
    db('payments').where({ payment_intent_id: p.paymentIntentId }).first('amount_pence'),
    db('refunds').where({ payment_intent_id: p.paymentIntentId }).sum({ pence: 'amount_pence' }).first(),
  ]);
  const fully = paid === undefined || Number(back?.pence ?? 0) >= paid.amount_pence;
  await recordPaymentStatus(db, { paymentIntentId: p.paymentIntentId, status: fully ? 'refunded' : 'partially_refunded' });
  return { refundId: refund.id, status: refund.status ?? 'pending', alreadyRefunded: false };
}

/** What the database knows of a payment intent: which order, and whether that order still wants the money. */
export async function describePayment(db: Db, paymentIntentId: string): Promise<{ orderNumber?: string; orderStatus?: string; amountPence?: number }> {
  const row = await db('payments').join('orders', 'orders.order_number', 'payments.order_number').where('payments.payment_intent_id', paymentIntentId).first('payments.order_number', 'orders.status', 'payments.amount_pence');
  return row ? { orderNumber: row.order_number, orderStatus: row.status, amountPence: row.amount_pence } : {};
}
