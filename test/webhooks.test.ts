import Stripe from 'stripe';
import { freePort } from '../lib/processes';
import { availableOf, checkoutBody, createTestSku, paymentIntent, sendStripeEvent, type System, startSystem, waitForStatus } from './helpers/system';

let sys: System;
beforeAll(async () => {
  sys = await startSystem({ name: 'webhooks', env: { WAREHOUSE_MODE: 'manual' } });
});
afterAll(async () => {
  await sys?.stop();
});

async function newOrder(s: System = sys) {
  const sku = await createTestSku(s.ctx, 5);
  const res = await s.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]));
  expect(res.status).toBe(201);
  return { ...res.body, sku };
}

const recorded = (id: string) => sys.ctx.db('webhook_events').where({ event_id: id }).first();

describe('signatures', () => {
  const payload = JSON.stringify({ id: 'evt_sig_test', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } });
  const post = (headers: Record<string, string>, body = payload) => sys.http.raw('/api/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

  test('a missing signature is refused with 400 and nothing is recorded', async () => {
    const res = await post({});
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SIGNATURE_MISSING');
    expect(await recorded('evt_sig_test')).toBeUndefined();
  });

  test('a signature made with another secret is refused', async () => {
    const res = await post({ 'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' }) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SIGNATURE_INVALID');
    expect(await recorded('evt_sig_test')).toBeUndefined();
  });

  test('a stale signature (replayed from long ago) is refused', async () => {
    const timestamp = Math.floor(Date.now() / 1000) - 3600;
    const res = await post({ 'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: sys.ctx.config.STRIPE_WEBHOOK_SECRET, timestamp }) });
    expect(res.status).toBe(400);
    expect(await recorded('evt_sig_test')).toBeUndefined();
  });

  test('a body altered after signing is refused', async () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: sys.ctx.config.STRIPE_WEBHOOK_SECRET });
    const res = await post({ 'Stripe-Signature': header }, payload.replace('succeeded', 'payment_failed'));
    expect(res.status).toBe(400);
  });
});

test('a duplicate delivery is recorded once and has no second effect', async () => {
  const order = await newOrder();
  const pi = paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence);
  const first = await sendStripeEvent(sys, 'payment_intent.succeeded', pi);
  expect(first.res.body).toMatchObject({ received: true, duplicate: false, status: 'processed' });
  const second = await sendStripeEvent(sys, 'payment_intent.succeeded', pi, { id: first.event.id });
  expect(second.res.status).toBe(200);
  expect(second.res.body).toMatchObject({ received: true, duplicate: true });
  const row = await recorded(first.event.id);
  expect(row).toMatchObject({ status: 'processed', attempts: 1, order_number: order.orderId });
  const detail = await waitForStatus(sys, order, 'PICKING');
  expect(detail.timeline.filter((e: any) => e.toStatus === 'PAID')).toHaveLength(1);
});

test('an older failure delivered after the success does not undo the payment', async () => {
  const order = await newOrder();
  await sendStripeEvent(sys, 'payment_intent.succeeded', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence));
  await waitForStatus(sys, order, 'PICKING');
  const late = await sendStripeEvent(sys, 'payment_intent.payment_failed', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence, 'requires_payment_method'));
  expect(late.res.status).toBe(200);
  const detail = await waitForStatus(sys, order, 'PICKING');
  expect(detail.cancelReason).toBeNull();
  expect(await availableOf(sys.ctx, order.sku)).toBe(4);
  expect(await sys.ctx.db('refunds').where({ order_number: order.orderId })).toHaveLength(0);
});

test('events for unknown payments and unused types are recorded as ignored and answered 200', async () => {
  const unknown = await sendStripeEvent(sys, 'payment_intent.succeeded', { id: 'pi_not_ours', object: 'payment_intent', amount: 100, amount_received: 100, metadata: {} });
  expect(unknown.res.status).toBe(200);
  expect(await recorded(unknown.event.id)).toMatchObject({ status: 'ignored' });
  const other = await sendStripeEvent(sys, 'customer.created', { id: 'cus_1', object: 'customer' });
  expect(other.res.status).toBe(200);
  expect(await recorded(other.event.id)).toMatchObject({ status: 'ignored' });
});

test('a dispute puts the order in front of an admin', async () => {
  const order = await newOrder();
  await sendStripeEvent(sys, 'payment_intent.succeeded', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence));
  await waitForStatus(sys, order, 'PICKING');
  const res = await sendStripeEvent(sys, 'charge.dispute.created', { id: 'dp_1', object: 'dispute', amount: order.totalPence, payment_intent: order.payment.paymentIntentId, reason: 'fraudulent', metadata: {} });
  expect(res.res.status).toBe(200);
  const { waitFor } = await import('../lib/processes');
  const flagged = await waitFor('the dispute flag', async () => {
    const rows = await sys.http.get('/api/admin/orders?attention=true&limit=200', { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
    return rows.body.orders.find((o: any) => o.orderId === order.orderId);
  });
  expect(flagged.attentionReason).toBe('DISPUTE');
  const detail = await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`);
  expect(detail.body.attentionReason).toBe('DISPUTE');
  // The dispute is the store's case with the bank: in the staff timeline, not in the customer's.
  expect(detail.body.timeline.map((e: any) => e.type)).not.toContain('dispute_opened');
  const staff = await sys.http.get(`/api/admin/orders/${order.orderId}`, { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
  expect(staff.body.timeline.map((e: any) => e.type)).toContain('dispute_opened');
});

test('with Temporal unreachable the webhook answers 503, keeps the event, and a replay applies it', async () => {
  const order = await newOrder();
  const outage = await startSystem({ name: 'webhooks-outage', worker: false, env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
  try {
    const sent = await sendStripeEvent(outage, 'payment_intent.succeeded', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence));
    expect(sent.res.status).toBe(503);
    expect(sent.res.body.error.code).toBe('ORDER_SYSTEM_UNAVAILABLE');
    const row = await recorded(sent.event.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.last_error).toBeTruthy();

    // Stripe's redelivery (or an admin's replay) applies it once Temporal is back.
    const replay = await sys.http.post(`/api/admin/webhooks/${sent.event.id}/replay`, {}, { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
    expect(replay.status).toBe(200);
    expect(replay.body.status).toBe('processed');
    await waitForStatus(sys, order, 'PICKING');
    expect(await recorded(sent.event.id)).toMatchObject({ status: 'processed', attempts: 2 });
  } finally {
    await outage.stop();
  }
});
