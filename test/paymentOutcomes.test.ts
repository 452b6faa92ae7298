import { releaseStock } from '../domain/inventory/stockMovements';
import { recordHistory } from './helpers/histories';
import {
  availableOf,
  checkoutBody,
  createTestSku,
  paymentIntent,
  sendStripeEvent,
  type System,
  startSystem,
  waitForStatus,
  waitForWorkflowClosed,
  proofFor,
} from './helpers/system';

let sys: System;
let slow: System;
beforeAll(async () => {
  sys = await startSystem({ name: 'payments' });
  slow = await startSystem({ name: 'payments-timeout', env: { PAYMENT_WINDOW: '2s' } });
});
afterAll(async () => {
  await sys?.stop();
  await slow?.stop();
});

async function ledger(s: System, orderId: string) {
  return s.ctx.db('stock_ledger').where({ order_number: orderId }).orderBy('id').select('sku', 'kind', 'ref', 'quantity');
}

async function checkout(s: System, sku: string, quantity: number) {
  const res = await s.http.post('/api/checkout', checkoutBody([{ sku, quantity }]));
  expect(res.status).toBe(201);
  return res.body;
}

test('a failed payment cancels the order and restores its stock exactly once', async () => {
  const sku = await createTestSku(sys.ctx, 6);
  const order = await checkout(sys, sku, 4);
  expect(await availableOf(sys.ctx, sku)).toBe(2);

  const failed = paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence, 'requires_payment_method');
  const first = await sendStripeEvent(sys, 'payment_intent.payment_failed', failed);
  expect(first.res.status).toBe(200);
  const cancelled = await waitForStatus(sys, order, 'CANCELLED');
  expect(cancelled.cancelReason).toBe('PAYMENT_FAILED');
  await waitForWorkflowClosed(sys, order.orderId);

  // A redelivery, a second failure and a retried compensation all find the stock already returned.
  await sendStripeEvent(sys, 'payment_intent.payment_failed', failed, { id: first.event.id });
  await sendStripeEvent(sys, 'payment_intent.payment_failed', failed);
  expect(await releaseStock(sys.ctx.db, order.orderId, 'PAYMENT_FAILED')).toEqual({ restoredUnits: 0 });

  expect(await availableOf(sys.ctx, sku)).toBe(6);
  expect(await ledger(sys, order.orderId)).toEqual([
    { sku, kind: 'reserve', ref: 'reservation', quantity: -4 },
    { sku, kind: 'release', ref: 'reservation', quantity: 4 },
  ]);
  const payment = await sys.ctx.db('payments').where({ order_number: order.orderId }).first();
  expect(payment.status).toBe('canceled');
  expect(await sys.ctx.db('refunds').where({ order_number: order.orderId })).toHaveLength(0);
  await recordHistory(sys, `order-${order.orderId}`, 'payment-failed');
});

test('an unpaid order is cancelled when the payment window closes, stock restored once', async () => {
  const sku = await createTestSku(slow.ctx, 3);
  const order = await checkout(slow, sku, 3);
  expect(await availableOf(slow.ctx, sku)).toBe(0);
  const cancelled = await waitForStatus(slow, order, 'CANCELLED', 30_000);
  expect(cancelled.cancelReason).toBe('PAYMENT_TIMEOUT');
  await waitForWorkflowClosed(slow, order.orderId);
  expect(await availableOf(slow.ctx, sku)).toBe(3);
  expect((await ledger(slow, order.orderId)).map((l) => l.kind)).toEqual(['reserve', 'release']);
  await recordHistory(slow, `order-${order.orderId}`, 'payment-timeout');
});

test('a customer cancelling before paying releases stock and cancels the PaymentIntent', async () => {
  const sku = await createTestSku(sys.ctx, 2);
  const order = await checkout(sys, sku, 1);
  const res = await sys.http.post(`/api/orders/${order.orderId}/cancel`, await proofFor(sys, order), { 'X-Tracking-Token': order.trackingToken });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED' });
  expect(await availableOf(sys.ctx, sku)).toBe(2);
  expect((await sys.ctx.db('payments').where({ order_number: order.orderId }).first()).status).toBe('canceled');
  const again = await sys.http.post(`/api/orders/${order.orderId}/cancel?token=${order.trackingToken}`, await proofFor(sys, order));
  expect(again.status).toBe(409);
});

test('a paid order cancelled before shipping is refunded in full and its stock restored', async () => {
  const manual = await startSystem({ name: 'payments-manual', env: { WAREHOUSE_MODE: 'manual' } });
  try {
    const sku = await createTestSku(manual.ctx, 5, 4200);
    const order = await checkout(manual, sku, 2);
    await sendStripeEvent(manual, 'payment_intent.succeeded', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence));
    await waitForStatus(manual, order, 'PICKING');
    expect(await availableOf(manual.ctx, sku)).toBe(3);

    const res = await manual.http.post(`/api/orders/${order.orderId}/cancel`, { note: 'ordered the wrong size', ...(await proofFor(manual, order)) }, { 'X-Tracking-Token': order.trackingToken });
    expect(res.status).toBe(200);
    // Everything paid comes back, delivery included.
    expect(res.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED', refundedPence: order.totalPence });
    expect(order.totalPence).toBe(8400 + order.shipping.pricePence);
    expect(await availableOf(manual.ctx, sku)).toBe(5);
    const refunds = await manual.ctx.db('refunds').where({ order_number: order.orderId });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount_pence: order.totalPence, reason: 'CUSTOMER_CANCELLED', idempotency_key: `refund-${order.orderId}-cancel` });
    expect(refunds[0].stripe_refund_id).toMatch(/^re_/);
    await waitForWorkflowClosed(manual, order.orderId);
    await recordHistory(manual, `order-${order.orderId}`, 'cancel-after-payment');
  } finally {
    await manual.stop();
  }
});

test('cancelling after the parcel has shipped is refused; the order goes on', async () => {
  const sku = await createTestSku(sys.ctx, 2);
  const order = await checkout(sys, sku, 1);
  await sendStripeEvent(sys, 'payment_intent.succeeded', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence));
  await waitForStatus(sys, order, ['SHIPPED', 'DELIVERED']);
  const res = await sys.http.post(`/api/orders/${order.orderId}/cancel`, await proofFor(sys, order), { 'X-Tracking-Token': order.trackingToken });
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('NOT_CANCELLABLE');
  await waitForStatus(sys, order, 'DELIVERED');
  expect(await availableOf(sys.ctx, sku)).toBe(1);
  expect(await sys.ctx.db('refunds').where({ order_number: order.orderId })).toHaveLength(0);
});

test('money that arrives after cancellation is refunded once, whichever path sees it', async () => {
  const sku = await createTestSku(sys.ctx, 2, 1900);
  const order = await checkout(sys, sku, 1);
  const cancel = await sys.http.post(`/api/orders/${order.orderId}/cancel`, await proofFor(sys, order), { 'X-Tracking-Token': order.trackingToken });
  expect(cancel.status).toBe(200);
  await waitForWorkflowClosed(sys, order.orderId);

  const succeeded = paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence);
  const late = await sendStripeEvent(sys, 'payment_intent.succeeded', succeeded);
  expect(late.res.status).toBe(200);
  expect(late.res.body.detail).toMatch(/refund workflow/);
  const refundWorkflow = sys.ctx.temporal.workflow.getHandle(`refund-${order.payment.paymentIntentId}`);
  expect(await refundWorkflow.result()).toMatchObject({ refunded: true, orderNumber: order.orderId });

  // Stripe may deliver the success again under a new event id: still one refund.
  await sendStripeEvent(sys, 'payment_intent.succeeded', succeeded);
  const refunds = await sys.ctx.db('refunds').where({ order_number: order.orderId });
  expect(refunds).toHaveLength(1);
  expect(refunds[0]).toMatchObject({ amount_pence: order.totalPence, reason: 'LATE_PAYMENT_AFTER_CANCELLATION' });
  const events = await sys.ctx.db('order_events').where({ order_number: order.orderId, type: 'late_payment_refunded' });
  expect(events).toHaveLength(1);
});

test('a success racing a failure is refunded by the order workflow or the refund workflow, once', async () => {
  const sku = await createTestSku(sys.ctx, 2, 2100);
  const order = await checkout(sys, sku, 1);
  const failed = paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence, 'requires_payment_method');
  const succeeded = paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence);
  await sendStripeEvent(sys, 'payment_intent.payment_failed', failed);
  await sendStripeEvent(sys, 'payment_intent.succeeded', succeeded);
  await waitForStatus(sys, order, 'CANCELLED');
  await waitForWorkflowClosed(sys, order.orderId);
  const { waitFor } = await import('../lib/processes');
  const refunds = await waitFor('the late payment refund', async () => {
    const rows = await sys.ctx.db('refunds').where({ order_number: order.orderId });
    return rows.length > 0 ? rows : undefined;
  });
  expect(refunds).toHaveLength(1);
  expect(refunds[0]).toMatchObject({ amount_pence: order.totalPence, idempotency_key: `refund-${order.orderId}-late-${order.payment.paymentIntentId}` });
  expect(await availableOf(sys.ctx, sku)).toBe(2);
});
