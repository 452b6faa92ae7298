import { waitFor } from '../lib/processes';
import { shipmentWorkflowId, trackingPushSignal } from '../workflows/shipping/definitions';
import { recordHistory } from './helpers/histories';
import { placePaidOrder } from './helpers/orders';
import { address, availableOf, checkoutBody, createTestSku, pay, type System, startSystem, waitForStatus, waitForWorkflowClosed, proofFor } from './helpers/system';

// Manual warehouse so each test packs its own parcels; a return window long enough to return within it.
let sys: System;
const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  sys = await startSystem({ name: 'shipments', env: { WAREHOUSE_MODE: 'manual', RETURN_WINDOW: '5 minutes' } });
});
afterAll(async () => {
  await sys?.stop();
});

async function paidOrder(items: Array<{ sku: string; quantity: number }>, line1?: string) {
  return placePaidOrder(sys, { items, checkout: line1 ? { shippingAddress: address(line1) } : {}, until: 'PICKING' });
}

async function pack(orderId: string, parcels: Array<{ weightGrams: number; lines?: Array<{ lineNo: number; quantity: number }> }>) {
  expect((await sys.http.post(`/api/admin/orders/${orderId}/picked`, { by: 'jo' }, admin())).status).toBe(202);
  const packed = await sys.http.post(`/api/admin/orders/${orderId}/packed`, { by: 'jo', parcels }, admin());
  expect(packed.status).toBe(202);
}

/** What a carrier's push would tell the parcel: delivered, now. */
async function pushDelivered(orderId: string, shipmentNo: number, trackingNumber: string) {
  await sys.ctx.temporal.workflow.getHandle(shipmentWorkflowId(orderId, 'outbound', shipmentNo)).signal(trackingPushSignal, {
    trackingNumber,
    events: [{ status: 'DELIVERED', description: 'Delivered to the front door', occurredAt: new Date().toISOString(), location: 'Recipient address' }],
  });
}

async function attention(orderId: string, body: Record<string, unknown>) {
  return sys.http.post(`/api/admin/orders/${orderId}/attention`, { actor: 'ops-kim', ...body }, admin());
}

/** The order as staff see it: who did what, by name. */
async function staffOrder(orderId: string): Promise<any> {
  return (await sys.http.get(`/api/admin/orders/${orderId}`, admin())).body;
}

async function searchAttributes(orderId: string): Promise<Record<string, unknown>> {
  const d = await sys.ctx.temporal.workflow.getHandle(`order-${orderId}`).describe();
  return Object.fromEntries(Object.entries(d.searchAttributes).map(([k, v]) => [k, (v as unknown[])[0]]));
}

test('two parcels: the order is PARTIALLY_DELIVERED after the first and DELIVERED only after both', async () => {
  const tee = await createTestSku(sys.ctx, 5, 3000);
  const hoodie = await createTestSku(sys.ctx, 5, 7000);
  // SANDBOX-LOST parcels go quiet in transit: only the carrier's pushes below deliver them, one at a time.
  const order = await paidOrder([{ sku: tee, quantity: 1 }, { sku: hoodie, quantity: 1 }], '2 SANDBOX-LOST Street');
  await pack(order.orderId, [
    { weightGrams: 400, lines: [{ lineNo: 1, quantity: 1 }] },
    { weightGrams: 900, lines: [{ lineNo: 2, quantity: 1 }] },
  ]);
  const shipped = await waitForStatus(sys, order, 'SHIPPED');
  expect(shipped.shipments).toHaveLength(2);
  const [first, second] = shipped.shipments;
  expect(first.trackingNumber).not.toBe(second.trackingNumber);
  expect(first.lines).toEqual([{ lineNo: 1, sku: tee, quantity: 1 }]);
  expect(second.lines).toEqual([{ lineNo: 2, sku: hoodie, quantity: 1 }]);

  await pushDelivered(order.orderId, 1, first.trackingNumber);
  const partial = await waitForStatus(sys, order, 'PARTIALLY_DELIVERED');
  expect(partial.shipments.map((s: any) => s.status)).toEqual(['DELIVERED', expect.not.stringMatching(/^DELIVERED$/)]);

  await pushDelivered(order.orderId, 2, second.trackingNumber);
  const delivered = await waitForStatus(sys, order, 'DELIVERED');
  const seqOf = (pred: (e: any) => boolean) => delivered.timeline.filter(pred).map((e: any) => e.seq);
  const parcelDeliveries = seqOf((e) => e.type === 'tracking_updated' && e.data.status === 'DELIVERED');
  expect(parcelDeliveries).toHaveLength(2);
  const [orderDelivered] = seqOf((e) => e.toStatus === 'DELIVERED');
  expect(orderDelivered).toBeGreaterThan(Math.max(...parcelDeliveries));

  // Each parcel's tracking history is kept, our reading beside the carrier's raw event.
  const history = await sys.http.get(`/api/orders/${order.orderId}/shipments?token=${order.trackingToken}`);
  expect(history.status).toBe(200);
  expect(history.body.shipments.map((s: any) => s.events.map((e: any) => e.status))).toEqual([
    expect.arrayContaining(['LABEL_PURCHASED', 'DELIVERED']),
    expect.arrayContaining(['LABEL_PURCHASED', 'DELIVERED']),
  ]);
  const raw = await sys.ctx.db('shipment_events').join('shipments', 'shipments.id', 'shipment_events.shipment_id').where('shipments.order_number', order.orderId).whereNotNull('raw').count({ n: '*' }).first();
  expect(Number(raw?.n)).toBeGreaterThan(0);
  // Admins find orders by carrier.
  const carrier = delivered.carrierChoice.carrier as string;
  const byCarrier = await sys.http.get(`/api/admin/orders?carrier=${carrier}&limit=200`, admin());
  expect(byCarrier.body.orders.find((o: any) => o.orderId === order.orderId)).toMatchObject({ carrier });
  const other = carrier === 'dhl' ? 'ups' : 'dhl';
  const byOther = await sys.http.get(`/api/admin/orders?carrier=${other}&limit=200`, admin());
  expect(byOther.body.orders.map((o: any) => o.orderId)).not.toContain(order.orderId);
  const unknown = await sys.http.get('/api/admin/orders?carrier=hermes', admin());
  expect(unknown.status).toBe(400);
  expect(JSON.stringify(unknown.body)).toMatch(/carrier/);
  await recordHistory(sys, `order-${order.orderId}`, 'two-parcels-delivered');
  await recordHistory(sys, shipmentWorkflowId(order.orderId, 'outbound', 1), 'shipment-pushed-delivered');
});

test('a delivery exception shows in the API and the search attributes; reship takes stock again, resolve lets the new parcel arrive', async () => {
  const sku = await createTestSku(sys.ctx, 6, 2500);
  const order = await paidOrder([{ sku, quantity: 2 }], '7 SANDBOX-EXCEPTION Lane');
  expect(await availableOf(sys.ctx, sku)).toBe(4);
  await pack(order.orderId, [{ weightGrams: 700 }]);

  const parked = await waitForStatus(sys, order, 'NEEDS_ATTENTION');
  expect(parked).toMatchObject({ attentionReason: 'DELIVERY_EXCEPTION' });
  expect(parked.shipments[0]).toMatchObject({ status: 'FAILURE', exception: { reason: 'DELIVERY_EXCEPTION' } });
  await waitFor('search attributes to show the problem', async () => {
    const attrs = await searchAttributes(order.orderId);
    return attrs.OrderStatus === 'NEEDS_ATTENTION' && attrs.AttentionReason === 'DELIVERY_EXCEPTION' ? attrs : undefined;
  });

  const bad = await attention(order.orderId, { action: 'teleport' });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toMatch(/action/);

  const reshipped = await attention(order.orderId, { action: 'reship', note: 'carrier lost it at the depot' });
  expect(reshipped.status).toBe(200);
  expect(await availableOf(sys.ctx, sku)).toBe(2);
  // The same address fails again in the sandbox: the replacement parcel is now the one in trouble.
  const again = await waitFor('the replacement parcel to be in trouble too', async () => {
    const o = await waitForStatus(sys, order, 'NEEDS_ATTENTION');
    return o.shipments.length === 2 && o.shipments[1].status === 'FAILURE' ? o : undefined;
  });
  expect(again.shipments[0].closedAs).toBe('REPLACED');
  expect(again.timeline.find((e: any) => e.type === 'reshipped')).toMatchObject({ actor: 'staff', data: { shipmentNo: 1, newShipmentNo: 2 } });
  expect((await staffOrder(order.orderId)).timeline.find((e: any) => e.type === 'reshipped')).toMatchObject({ actor: 'key:dev', data: { shipmentNo: 1, newShipmentNo: 2, note: 'carrier lost it at the depot' } });
  const ledger = await sys.ctx.db('stock_ledger').where({ order_number: order.orderId, sku, kind: 'reserve' }).orderBy('id');
  expect(ledger.map((r) => [r.ref, r.quantity])).toEqual([['reservation', -2], ['shipment-2', -2]]);

  // Found after all: the admin marks it resolved, the parcel is followed again and arrives.
  const resolved = await attention(order.orderId, { action: 'resolve', shipmentNo: 2 });
  expect(resolved.status).toBe(200);
  expect(resolved.body.status).toBe('SHIPPED');
  await pushDelivered(order.orderId, 2, again.shipments[1].trackingNumber);
  const delivered = await waitForStatus(sys, order, 'DELIVERED');
  expect(delivered.refundedPence).toBe(0);
  expect((await searchAttributes(order.orderId)).AttentionReason ?? null).toBeNull();
  await recordHistory(sys, `order-${order.orderId}`, 'exception-reship-resolve');
});

test('refunding the lines of the only parcel ends the order REFUNDED with every penny back, once', async () => {
  const sku = await createTestSku(sys.ctx, 3, 4200);
  const order = await paidOrder([{ sku, quantity: 1 }], '9 SANDBOX-RETURNED Road');
  await pack(order.orderId, [{ weightGrams: 500 }]);
  const parked = await waitForStatus(sys, order, 'NEEDS_ATTENTION');
  // The sandbox's returned-to-sender journey first reports the failed delivery.
  expect(parked.attentionReason).toBe('DELIVERY_EXCEPTION');
  const refunded = await attention(order.orderId, { action: 'refund_lines', shipmentNo: 1, note: 'customer no longer wants it' });
  expect(refunded.status).toBe(200);
  const done = await waitForStatus(sys, order, 'REFUNDED');
  expect(done.refundedPence).toBe(order.totalPence);
  const rows = await sys.ctx.db('refunds').where({ order_number: order.orderId });
  expect(rows.map((r) => r.amount_pence)).toEqual([order.totalPence]);
  expect(done.timeline.find((e: any) => e.type === 'lines_refunded')).toMatchObject({ actor: 'staff', data: { refundPence: order.totalPence } });
  expect((await staffOrder(order.orderId)).timeline.find((e: any) => e.type === 'lines_refunded')).toMatchObject({ actor: 'key:dev', data: { refundPence: order.totalPence, note: 'customer no longer wants it' } });
  const twice = await attention(order.orderId, { action: 'refund_lines', shipmentNo: 1 });
  expect(twice.status).toBe(409);
  await waitForWorkflowClosed(sys, order.orderId);
  await recordHistory(sys, `order-${order.orderId}`, 'exception-refund-lines');
});

test('returns: stock comes back once per return and the refund is the lines as paid, plus standard delivery when everything comes back', async () => {
  const tee = await createTestSku(sys.ctx, 10, 3500);
  const cap = await createTestSku(sys.ctx, 10, 2200);
  const order = await paidOrder([{ sku: tee, quantity: 2 }, { sku: cap, quantity: 1 }]);
  await pack(order.orderId, [{ weightGrams: 900 }]);
  const delivered = await waitForStatus(sys, order, 'DELIVERED');
  const shippingPence = delivered.totals.shippingPence as number;
  expect(shippingPence).toBeGreaterThan(0);
  expect(await availableOf(sys.ctx, tee)).toBe(8);

  const tooMany = await sys.http.post(`/api/orders/${order.orderId}/returns?token=${order.trackingToken}`, { lines: [{ lineNo: 1, quantity: 3 }], reason: 'too small', ...(await proofFor(sys, order)) });
  expect(tooMany.status).toBe(409);
  expect(tooMany.body.error.message).toMatch(/only 2/);
  const noReason = await sys.http.post(`/api/orders/${order.orderId}/returns?token=${order.trackingToken}`, { lines: [{ lineNo: 1, quantity: 1 }], ...(await proofFor(sys, order)) });
  expect(noReason.status).toBe(400);
  expect(JSON.stringify(noReason.body)).toMatch(/reason/);

  const first = await sys.http.post(`/api/orders/${order.orderId}/returns?token=${order.trackingToken}`, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'too small', ...(await proofFor(sys, order)) });
  expect(first.status).toBe(201);
  expect(first.body.return).toMatchObject({ returnNo: 1, status: 'REQUESTED' });
  const partly = await waitForStatus(sys, order, 'PARTIALLY_RETURNED');
  expect(partly.refundedPence).toBe(3500);
  expect((await sys.ctx.db('payments').where({ order_number: order.orderId }).first()).status).toBe('partially_refunded');
  expect(await availableOf(sys.ctx, tee)).toBe(9);

  const rest = await sys.http.post(`/api/orders/${order.orderId}/returns?token=${order.trackingToken}`, { lines: [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }], reason: 'changed my mind', ...(await proofFor(sys, order)) });
  expect(rest.status).toBe(201);
  const returned = await waitForStatus(sys, order, 'RETURNED');
  expect(returned.refundedPence).toBe(3500 + 3500 + 2200 + shippingPence);
  expect((await sys.ctx.db('payments').where({ order_number: order.orderId }).first()).status).toBe('refunded');
  expect(await availableOf(sys.ctx, tee)).toBe(10);
  expect(await availableOf(sys.ctx, cap)).toBe(10);

  const refunds = await sys.ctx.db('refunds').where({ order_number: order.orderId }).orderBy('id');
  expect(refunds.map((r) => [r.reason, r.amount_pence])).toEqual([
    ['RETURNED', 3500],
    ['RETURNED', 3500 + 2200 + shippingPence],
  ]);
  const ledger = await sys.ctx.db('stock_ledger').where({ order_number: order.orderId, kind: 'return' }).orderBy('id');
  expect(ledger.map((r) => [r.sku, r.ref, r.quantity, r.note]).sort()).toEqual(
    [
      [tee, 'return-1', 1, 'RETURNED'],
      [cap, 'return-2', 1, 'RETURNED'],
      [tee, 'return-2', 1, 'RETURNED'],
    ].sort(),
  );
  const steps = returned.timeline.filter((e: any) => e.type.startsWith('return_')).map((e: any) => `${e.type}:${e.data.returnNo}`);
  for (const n of [1, 2]) {
    expect(steps).toEqual(expect.arrayContaining([`return_requested:${n}`, `return_label_issued:${n}`, `return_received:${n}`, `return_refunded:${n}`]));
  }
  await recordHistory(sys, `order-${order.orderId}`, 'two-returns');
  await recordHistory(sys, `return-${order.orderId}-1`, 'return-refunded');
  const label = await sys.http.raw(`/api/orders/${order.orderId}/returns/1/label.pdf?token=${order.trackingToken}`, {});
  expect(label.status).toBe(200);
  expect(label.headers.get('content-type')).toMatch(/application\/pdf/);
});

test('a return asked after the window is refused with the date it closed', async () => {
  const quick = await startSystem({ name: 'shipments-window', env: { RETURN_WINDOW: '1s' } });
  try {
    const order = await placePaidOrder(quick, { stock: 2, pricePence: 1500, until: 'DELIVERED' });
    const [sku] = order.skus;
    await waitForWorkflowClosed(quick, order.orderId);
    const late = await quick.http.post(`/api/orders/${order.orderId}/returns?token=${order.trackingToken}`, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'too late?', email: order.email });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('RETURN_WINDOW_CLOSED');
    expect(late.body.error.message).toMatch(/the return window closed on \d{4}-\d{2}-\d{2}T/);
    expect(await availableOf(quick.ctx, sku)).toBe(1);
  } finally {
    await quick.stop();
  }
});

test('a parcel with no tracking news for too long raises STALE and the order asks for a person', async () => {
  const quiet = await startSystem({ name: 'shipments-stale', env: { TRACKING_STALE_AFTER: '3s' } });
  try {
    const sku = await createTestSku(quiet.ctx, 2, 1500);
    const res = await quiet.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { shippingAddress: address('4 SANDBOX-LOST Way') }));
    await pay(quiet, res.body);
    const parked = await waitForStatus(quiet, res.body, 'NEEDS_ATTENTION');
    expect(parked.attentionReason).toBe('STALE');
    // The customer's page names the kind of problem; the detail is for staff.
    expect(parked.shipments[0].exception).toEqual({ reason: 'STALE' });
    const staff = await quiet.http.get(`/api/admin/orders/${res.body.orderId}`, { Authorization: `Bearer ${quiet.ctx.config.ADMIN_API_TOKEN}` });
    expect(staff.body.shipments[0].exception.detail).toMatch(/no tracking news/);
    const row = await quiet.ctx.db('shipments').where({ order_number: res.body.orderId }).first();
    expect(row).toMatchObject({ exception_reason: 'STALE' });
  } finally {
    await quiet.stop();
  }
});
