import { recordHistory } from './helpers/histories';
import { placePaidOrder } from './helpers/orders';
import { address, availableOf, checkoutBody, createTestSku, type System, startSystem, waitForStatus, waitForWorkflowClosed, proofFor } from './helpers/system';

let manual: System;
const admin = () => ({ Authorization: `Bearer ${manual.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  manual = await startSystem({ name: 'fulfilment', env: { WAREHOUSE_MODE: 'manual' } });
});
afterAll(async () => {
  await manual?.stop();
});

async function paidOrder(line1?: string, quantity = 1) {
  const order = await placePaidOrder(manual, { stock: 5, pricePence: 3000, quantity, checkout: line1 ? { shippingAddress: address(line1) } : {}, until: 'PICKING' });
  return { ...order, sku: order.skus[0] };
}

/** Who picked, packed, retried and cancelled is in the staff view of the order; its customer is told a role. */
async function staffOrder(orderId: string): Promise<any> {
  return (await manual.http.get(`/api/admin/orders/${orderId}`, admin())).body;
}

async function pickAndPack(orderId: string, weightGrams = 800) {
  const picked = await manual.http.post(`/api/admin/orders/${orderId}/picked`, { by: 'jo' }, admin());
  expect(picked.status).toBe(202);
  const packed = await manual.http.post(`/api/admin/orders/${orderId}/packed`, { by: 'jo', parcels: [{ weightGrams }] }, admin());
  expect(packed.status).toBe(202);
}

test('in manual mode the order waits on the warehouse, then ships and is delivered', async () => {
  const order = await paidOrder();
  // Nothing moves without the warehouse: the order is still on the picking list.
  expect((await manual.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`)).body.status).toBe('PICKING');
  const list = await manual.http.get('/api/admin/picking-list', admin());
  expect(list.body.orders.find((o: any) => o.orderId === order.orderId)).toMatchObject({ lines: [{ sku: order.sku, size: 'M', quantity: 1 }] });
  await pickAndPack(order.orderId, 950);
  await waitForStatus(manual, order, 'DELIVERED');
  const delivered = await staffOrder(order.orderId);
  const picked = delivered.timeline.find((e: any) => e.type === 'picked');
  // The key is who did it (the dev key here), whatever `by` the body sends.
  expect(picked.actor).toBe('warehouse:key:dev');
  const packed = delivered.timeline.find((e: any) => e.toStatus === 'PACKED');
  expect(packed.data.parcels).toEqual([{ weightGrams: 950 }]);
  const tracking = delivered.timeline.filter((e: any) => e.type === 'tracking_updated').map((e: any) => e.data.status);
  expect(tracking).toEqual(expect.arrayContaining(['CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED']));
  await waitForWorkflowClosed(manual, order.orderId);
  await recordHistory(manual, `order-${order.orderId}`, 'manual-warehouse-delivered');
});

test('a carrier that rejects the address puts the order in NEEDS_ATTENTION; retry asks again, cancel refunds and restocks', async () => {
  const order = await paidOrder('13 SANDBOX-REJECT Road', 2);
  await pickAndPack(order.orderId);
  const parked = await waitForStatus(manual, order, 'NEEDS_ATTENTION');
  expect(parked.attentionReason).toBe('CARRIER_REJECTED');
  const listed = await manual.http.get('/api/admin/orders?status=NEEDS_ATTENTION&limit=200', admin());
  expect(listed.body.orders.map((o: any) => o.orderId)).toContain(order.orderId);

  const retried = await manual.http.post(`/api/admin/orders/${order.orderId}/retry`, { actor: 'ops-kim', note: 'carrier says try again' }, admin());
  expect(retried.status).toBe(200);
  // Same address, same answer: back in front of an admin after the retry.
  const { waitFor } = await import('../lib/processes');
  const again = await waitFor('the order to be parked a second time', async () => {
    const o = await waitForStatus(manual, order, 'NEEDS_ATTENTION');
    return o.timeline.filter((e: any) => e.toStatus === 'NEEDS_ATTENTION').length === 2 ? o : undefined;
  });
  expect(again.timeline.some((e: any) => e.reason === 'ATTENTION_RETRY' && e.actor === 'staff')).toBe(true);
  expect((await staffOrder(order.orderId)).timeline.some((e: any) => e.reason === 'ATTENTION_RETRY' && e.actor === 'key:dev')).toBe(true);

  const cancelled = await manual.http.post(`/api/admin/orders/${order.orderId}/cancel`, { actor: 'ops-kim', note: 'address cannot be served' }, admin());
  expect(cancelled.status).toBe(200);
  const done = await waitForStatus(manual, order, 'CANCELLED');
  expect(done).toMatchObject({ cancelReason: 'ADMIN_CANCELLED', refundedPence: done.totals.totalPence });
  expect(done.totals.shippingPence).toBeGreaterThan(0);
  expect(done.timeline.find((e: any) => e.toStatus === 'CANCELLED').actor).toBe('staff');
  expect((await staffOrder(order.orderId)).timeline.find((e: any) => e.toStatus === 'CANCELLED').actor).toBe('key:dev');
  expect(await availableOf(manual.ctx, order.sku)).toBe(5);
  await waitForWorkflowClosed(manual, order.orderId);
  await recordHistory(manual, `order-${order.orderId}`, 'carrier-rejected-admin-cancel');
});

test('a delivery exception asks for a person; the shipped order cannot be cancelled', async () => {
  const order = await paidOrder('7 SANDBOX-EXCEPTION Lane');
  await pickAndPack(order.orderId);
  const parked = await waitForStatus(manual, order, 'NEEDS_ATTENTION');
  expect(parked.attentionReason).toBe('DELIVERY_EXCEPTION');
  expect(parked.shipments[0].status).toBe('FAILURE');
  const cancel = await manual.http.post(`/api/admin/orders/${order.orderId}/cancel`, { actor: 'ops-kim' }, admin());
  expect(cancel.status).toBe(409);
  const customerCancel = await manual.http.post(`/api/orders/${order.orderId}/cancel?token=${order.trackingToken}`, await proofFor(manual, order));
  expect(customerCancel.status).toBe(409);
  const retry = await manual.http.post(`/api/admin/orders/${order.orderId}/retry`, { actor: 'ops-kim', note: 'chasing the carrier' }, admin());
  expect(retry.status).toBe(200);
  expect(retry.body.status).toBe('SHIPPED');
});

test('the warehouse cannot pick an order that is not on the picking list', async () => {
  const sku = await createTestSku(manual.ctx, 2);
  const res = await manual.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]));
  const picked = await manual.http.post(`/api/admin/orders/${res.body.orderId}/picked`, { by: 'jo' }, admin());
  expect(picked.status).toBe(409);
  expect(picked.body.error.message).toMatch(/AWAITING_PAYMENT/);
});
