import { randomBytes } from 'node:crypto';
import { waitFor } from '../lib/processes';
import { paymentMismatches } from '../workflows/orders/paymentRule';
import { recordHistory } from './helpers/histories';
import { checkoutBody, createTestSku, paymentIntent, sendStripeEvent, type System, startSystem, waitForStatus } from './helpers/system';

/**
 * A payment counts only when it is the one the order opened: its PaymentIntent, its amount, its currency.
 * Anything else is recorded, refused as payment, raised to an admin, and refunded if money moved.
 */
describe('the rule', () => {
  const expected = { paymentIntentId: 'pi_ours', amountPence: 3839, currency: 'gbp' };
  test('the payment the order opened matches', () => {
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_ours', amountPence: 3839, currency: 'gbp' })).toEqual([]);
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_ours', amountPence: 3839, currency: 'GBP' })).toEqual([]);
  });
  test('another intent, another amount or another currency does not', () => {
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_theirs', amountPence: 3839, currency: 'gbp' })).toEqual([expect.stringMatching(/PaymentIntent pi_theirs.*pi_ours/)]);
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_ours', amountPence: 1, currency: 'gbp' })).toEqual([expect.stringMatching(/amount 1.*3839/)]);
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_ours', amountPence: 3839, currency: 'usd' })).toEqual([expect.stringMatching(/currency usd.*gbp/)]);
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_x', amountPence: 1, currency: 'usd' })).toHaveLength(3);
    // A signed event that names no currency cannot prove it paid in pounds.
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_ours', amountPence: 3839, currency: '' })).toHaveLength(1);
  });
  test('signals recorded before currencies were sent are judged on intent and amount', () => {
    expect(paymentMismatches(expected, { paymentIntentId: 'pi_ours', amountPence: 3839 })).toEqual([]);
  });
});

describe('webhooks', () => {
  let sys: System;
  const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
  beforeAll(async () => {
    sys = await startSystem({ name: 'reconciliation', env: { WAREHOUSE_MODE: 'manual' } });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  async function newOrder() {
    const sku = await createTestSku(sys.ctx, 5, 3500);
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]));
    expect(res.status).toBe(201);
    return res.body;
  }

  const cases: Array<[string, (o: any) => Record<string, unknown>, (o: any) => string]> = [
    ['another PaymentIntent', (o) => ({ ...paymentIntent(`pi_other_${randomBytes(6).toString('hex')}`, o.orderId, o.totalPence) }), (o) => o.other],
    ['a wrong amount (1p)', (o) => ({ ...paymentIntent(o.payment.paymentIntentId, o.orderId, 1) }), (o) => o.payment.paymentIntentId],
    ['a wrong currency (USD)', (o) => ({ ...paymentIntent(o.payment.paymentIntentId, o.orderId, o.totalPence), currency: 'usd' }), (o) => o.payment.paymentIntentId],
  ];

  test.each(cases)('%s: not paid, recorded, flagged for an admin, refunded once; the right payment still pays', async (_name, wrong, refundedIntent) => {
    const order = await newOrder();
    const object = wrong(order);
    order.other = object.id;
    const first = await sendStripeEvent(sys, 'payment_intent.succeeded', object);
    expect(first.res.status).toBe(200);
    // Delivered again (Stripe's redelivery) and once more under a new event id: still one refund.
    await sendStripeEvent(sys, 'payment_intent.succeeded', object, { id: first.event.id });
    await sendStripeEvent(sys, 'payment_intent.succeeded', object);

    const mismatch = await waitFor('the mismatch to be recorded', async () => (await sys.ctx.db('order_events').where({ order_number: order.orderId, type: 'payment_mismatch' }).first()) ?? undefined, { timeoutMs: 20_000, intervalMs: 150 });
    expect(mismatch.reason).toBe('PAYMENT_MISMATCH');
    expect(mismatch.data).toMatchObject({ paymentIntentId: object.id, expected: { paymentIntentId: order.payment.paymentIntentId, amountPence: order.totalPence, currency: 'gbp' } });
    const refund = await waitFor('the refund', async () => (await sys.ctx.db('refunds').where({ order_number: order.orderId }).first()) ?? undefined, { timeoutMs: 20_000, intervalMs: 150 });
    expect(refund).toMatchObject({ payment_intent_id: refundedIntent(order), idempotency_key: `refund-${order.orderId}-mismatch-${refundedIntent(order)}`, reason: 'PAYMENT_MISMATCH', amount_pence: object.amount_received });
    expect(refund.stripe_refund_id).toMatch(/^re_/);

    const listed = await waitFor('the admin flag', async () => {
      const rows = await sys.http.get('/api/admin/orders?attention=true&limit=200', admin());
      return rows.body.orders.find((o: any) => o.orderId === order.orderId);
    });
    expect(listed).toMatchObject({ status: 'AWAITING_PAYMENT', attentionReason: 'PAYMENT_MISMATCH' });
    await waitFor('the admin message', async () => (await sys.ctx.db('notifications').where({ order_number: order.orderId, template: 'admin_needs_attention' }).first()) ?? undefined, { timeoutMs: 20_000, intervalMs: 150 });
    const detail = await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`);
    expect(detail.body.status).toBe('AWAITING_PAYMENT');
    expect(detail.body.timeline.filter((e: any) => e.toStatus === 'PAID')).toHaveLength(0);

    // The payment the order opened still pays it.
    await sendStripeEvent(sys, 'payment_intent.succeeded', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence));
    await waitForStatus(sys, order, 'PICKING');
    expect(await sys.ctx.db('refunds').where({ order_number: order.orderId })).toHaveLength(1);
    // Each distinct event is on the record; the money went back once.
    expect(await sys.ctx.db('order_events').where({ order_number: order.orderId, type: 'payment_mismatch' })).toHaveLength(2);
    expect(await sys.ctx.db('order_events').where({ order_number: order.orderId, type: 'payment_mismatch_refunded' })).toHaveLength(1);
    // Still open (manual warehouse): a partial history replays as well as a closed one.
    if (_name === 'another PaymentIntent') await recordHistory(sys, `order-${order.orderId}`, 'payment-mismatch-then-paid');
  });

  test('a mismatching success for an intent whose metadata names no known order is answered and ignored', async () => {
    for (const metadata of [{ orderId: 'DY-010101-00000' }, { orderId: 'not an order' }, {}]) {
      const sent = await sendStripeEvent(sys, 'payment_intent.succeeded', { id: `pi_stranger_${randomBytes(6).toString('hex')}`, object: 'payment_intent', amount: 1, amount_received: 1, currency: 'usd', metadata });
      expect(sent.res.status).toBe(200);
      expect(sent.res.body.status).toBe('ignored');
    }
  });
});
