import Redis from 'ioredis';
import { waitFor } from '../lib/processes';
import { ORDER_EVENTS_CHANNEL } from '../domain/orders/recordOrderEvent';
import { recordHistory } from './helpers/histories';
import { availableOf, checkoutBody, createTestSku, pay, type System, startSystem, waitForStatus, waitForWorkflowClosed } from './helpers/system';

let sys: System;
beforeAll(async () => {
  sys = await startSystem({ name: 'happy' });
});
afterAll(async () => {
  await sys?.stop();
});

test('a paid order walks PAID → PROCESSING → PICKING → PACKED → SHIPPED → DELIVERED and closes after the return window', async () => {
  const sku = await createTestSku(sys.ctx, 5, 3500);
  // Live streams follow the events published on Redis as each status is recorded.
  const subscriber = new Redis(sys.ctx.config.REDIS_URL);
  const published: any[] = [];
  await subscriber.subscribe(ORDER_EVENTS_CHANNEL);
  subscriber.on('message', (_channel, message) => published.push(JSON.parse(message)));
  const checkout = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 2 }]));
  if (checkout.status !== 201) throw new Error(JSON.stringify(checkout.body));
  const order = checkout.body;
  // Two 400 g tees to London go standard, Royal Mail Tracked 48 up to 1 kg: £3.39 on top, with its VAT (57p).
  expect(order).toMatchObject({ status: 'AWAITING_PAYMENT', totalPence: 7339, vatPence: 1224, currency: 'GBP', shipping: { option: 'standard', pricePence: 339 } });
  expect(order.orderId).toMatch(/^DY-\d{6}-[0-9A-Z]{5}$/);
  expect(order.payment.paymentIntentId).toMatch(/^pi_/);
  expect(order.payment.clientSecret).toContain('_secret_');
  expect(await availableOf(sys.ctx, sku)).toBe(3);

  const stored = await sys.ctx.db('payments').where({ order_number: order.orderId }).first();
  expect(stored).toMatchObject({ payment_intent_id: order.payment.paymentIntentId, amount_pence: 7339 });

  const { res } = await pay(sys, order);
  expect(res.status).toBe(200);

  const delivered = await waitForStatus(sys, order, 'DELIVERED');
  expect(delivered.shipments[0]).toMatchObject({ carrier: delivered.carrierChoice.carrier, status: 'DELIVERED' });
  expect(delivered.shipments[0].trackingNumber).toMatch(/^DYS/);
  const path = delivered.timeline.filter((e: any) => e.type === 'status_changed').map((e: any) => e.toStatus);
  expect(path).toEqual(['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED']);
  expect(delivered.timeline.map((e: any) => e.type)).toContain('picked');
  // The customer is told who by role; staff see the event as recorded.
  expect(delivered.timeline.find((e: any) => e.toStatus === 'PAID').actor).toBe('payment');
  const staff = (await sys.http.get(`/api/admin/orders/${order.orderId}`, { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` })).body;
  expect(staff.timeline.find((e: any) => e.toStatus === 'PAID').actor).toBe('stripe');

  const mine = await waitFor('DELIVERED on the live channel', async () => {
    const events = published.filter((e) => e.orderNumber === order.orderId);
    return events.some((e) => e.toStatus === 'DELIVERED') ? events : undefined;
  });
  expect(mine.filter((e) => e.type === 'status_changed').map((e) => e.toStatus)).toEqual(['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED']);
  expect(mine.map((e) => e.id)).toEqual([...mine.map((e) => e.id)].sort((a, b) => a - b));
  expect(mine.map((e) => e.id)).toEqual(staff.timeline.map((e: any) => e.id).slice(0, mine.length));
  subscriber.disconnect();

  await waitForWorkflowClosed(sys, order.orderId);
  await recordHistory(sys, `order-${order.orderId}`, 'happy-path-delivered');
  const row = await sys.ctx.db('orders').where({ order_number: order.orderId }).first();
  expect(row).toMatchObject({ status: 'DELIVERED', total_pence: 7339, vat_pence: 1224, carrier: delivered.carrierChoice.carrier });
  expect(await availableOf(sys.ctx, sku)).toBe(3);
  const afterClose = await sys.http.get(`/api/orders/${order.orderId}`, { 'X-Tracking-Token': order.trackingToken });
  expect(afterClose.body).toMatchObject({ status: 'DELIVERED', source: 'read-model' });

  // Admins filter orders by status in the Temporal UI: the same visibility query must find this one.
  await waitFor('the order to be listed by OrderStatus', async () => {
    for await (const wf of sys.ctx.temporal.workflow.list({ query: `OrderStatus = "DELIVERED" AND WorkflowId = "order-${order.orderId}"` })) return wf;
    return undefined;
  }, { timeoutMs: 20_000 });
});
