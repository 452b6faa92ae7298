import { address, checkoutBody, createTestSku, type System, startSystem, proofFor } from './helpers/system';

let sys: System;
let sku: string;
const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  sys = await startSystem({ name: 'validation' });
  sku = await createTestSku(sys.ctx, 10);
});
afterAll(async () => {
  await sys?.stop();
});

/** What a rejected request must leave untouched. */
async function footprint() {
  const count = async (table: string) => Number((await sys.ctx.db(table).count({ n: '*' }))[0].n);
  return { orders: await count('orders'), ledger: await count('stock_ledger'), requests: await count('checkout_requests'), webhooks: await count('webhook_events'), events: await count('order_events'), available: (await sys.ctx.db('skus').where({ sku }).first()).available };
}

describe('POST /api/checkout refuses bad input with 400 naming each field, and writes nothing', () => {
  const cases: Array<[string, () => unknown, string[]]> = [
    ['no body fields', () => ({}), ['email', 'name', 'items', 'shippingAddress']],
    ['a malformed email', () => checkoutBody([{ sku, quantity: 1 }], { email: 'not-an-email' }), ['email']],
    ['a zero quantity', () => checkoutBody([{ sku, quantity: 0 }]), ['items.0.quantity']],
    ['a fractional quantity', () => checkoutBody([{ sku, quantity: 1.5 }]), ['items.0.quantity']],
    ['a quantity given as text', () => checkoutBody([{ sku, quantity: '2' as unknown as number }]), ['items.0.quantity']],
    ['an empty cart', () => checkoutBody([]), ['items']],
    ['an unknown SKU', () => checkoutBody([{ sku, quantity: 1 }, { sku: 'NO-SUCH-SKU', quantity: 1 }]), ['items.1.sku']],
    ['a client-sent price', () => checkoutBody([{ sku, quantity: 1 }], { totalPence: 1 }), ['totalPence']],
    ['a missing postcode and a bad country', () => checkoutBody([{ sku, quantity: 1 }], { shippingAddress: { line1: '1 High St', city: 'London', country: 'England' } }), ['shippingAddress.postcode', 'shippingAddress.country']],
    ['a bad phone number', () => checkoutBody([{ sku, quantity: 1 }], { phone: 'call me' }), ['phone']],
  ];
  test.each(cases)('%s', async (_name, body, fields) => {
    const before = await footprint();
    const res = await sys.http.post('/api/checkout', body());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const named = res.body.error.fields.map((f: { field: string }) => f.field);
    for (const field of fields) expect(named).toContain(field);
    for (const f of res.body.error.fields) expect(f.message).toEqual(expect.any(String));
    expect(await footprint()).toEqual(before);
  });

  test('malformed JSON', async () => {
    const before = await footprint();
    const res = await sys.http.raw('/api/checkout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email": ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
    expect(await footprint()).toEqual(before);
  });

  test('an over-long Idempotency-Key', async () => {
    const before = await footprint();
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]), { 'Idempotency-Key': 'k'.repeat(300) });
    expect(res.status).toBe(400);
    expect(res.body.error.fields[0].field).toBe('Idempotency-Key');
    expect(await footprint()).toEqual(before);
  });

  test('a body too large', async () => {
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { name: 'x'.repeat(200_000) }));
    expect(res.status).toBe(413);
  });
});

describe('Idempotency-Key', () => {
  test('a retried checkout returns the same order and reserves once', async () => {
    const own = await createTestSku(sys.ctx, 4);
    const body = checkoutBody([{ sku: own, quantity: 2 }]);
    const key = `test-${Date.now()}`;
    const [a, b] = await Promise.all([sys.http.post('/api/checkout', body, { 'Idempotency-Key': key }), sys.http.post('/api/checkout', body, { 'Idempotency-Key': key })]);
    const c = await sys.http.post('/api/checkout', body, { 'Idempotency-Key': key });
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(new Set([a.body.orderId, b.body.orderId, c.body.orderId]).size).toBe(1);
    expect(a.body.payment.paymentIntentId).toBe(c.body.payment.paymentIntentId);
    // Tokens are random and stored hashed: each answer carries a fresh one, and every one opens the same order.
    expect(new Set([a.body.trackingToken, b.body.trackingToken, c.body.trackingToken]).size).toBe(3);
    for (const r of [a, b, c]) expect((await sys.http.get(`/api/orders/${a.body.orderId}`, { 'X-Tracking-Token': r.body.trackingToken })).status).toBe(200);
    expect((await sys.ctx.db('skus').where({ sku: own }).first()).available).toBe(2);
    expect(await sys.ctx.db('payments').where({ order_number: a.body.orderId })).toHaveLength(1);
  });

  test('the same key with a different body is refused with 422', async () => {
    const key = `test-reuse-${Date.now()}`;
    const first = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]), { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const before = await footprint();
    const second = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 2 }]), { 'Idempotency-Key': key });
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await footprint()).toEqual(before);
  });
});

describe('orders are private to their token', () => {
  let order: any;
  beforeAll(async () => {
    order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
  });

  test('the right token (query or header) reads the order', async () => {
    expect((await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`)).status).toBe(200);
    const viaHeader = await sys.http.get(`/api/orders/${order.orderId}`, { 'X-Tracking-Token': order.trackingToken });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({ orderId: order.orderId, status: 'AWAITING_PAYMENT', totals: { totalPence: order.totalPence } });
  });

  test('a wrong, missing or foreign token answers 404 like a missing order', async () => {
    const other = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
    const answers = await Promise.all([
      sys.http.get(`/api/orders/${order.orderId}`),
      sys.http.get(`/api/orders/${order.orderId}?token=wrong`),
      sys.http.get(`/api/orders/${order.orderId}?token=${other.trackingToken}`),
      sys.http.get(`/api/orders/DY-000000-AAAAA?token=${order.trackingToken}`),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(a.body.error.code).toBe('ORDER_NOT_FOUND');
    }
  });

  test('cancelling with a wrong token is 404 and changes nothing', async () => {
    const res = await sys.http.post(`/api/orders/${order.orderId}/cancel?token=nope`, {});
    expect(res.status).toBe(404);
    expect((await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`)).body.status).toBe('AWAITING_PAYMENT');
  });

  test('a cancel body with unknown fields is 400', async () => {
    const res = await sys.http.post(`/api/orders/${order.orderId}/cancel?token=${order.trackingToken}`, { refund: 99999, ...(await proofFor(sys, order)) });
    expect(res.status).toBe(400);
    expect((await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`)).body.status).toBe('AWAITING_PAYMENT');
  });
});

describe('admin endpoints', () => {
  test('refuse a missing or wrong token with 401', async () => {
    expect((await sys.http.get('/api/admin/orders')).status).toBe(401);
    expect((await sys.http.get('/api/admin/orders', { Authorization: 'Bearer wrong-token' })).status).toBe(401);
  });

  test('refuse bad filters with 400 naming them', async () => {
    const res = await sys.http.get('/api/admin/orders?status=LOST&limit=0&from=yesterday', admin());
    expect(res.status).toBe(400);
    const named = res.body.error.fields.map((f: { field: string }) => f.field);
    expect(named).toEqual(expect.arrayContaining(['query.status', 'query.limit', 'query.from']));
  });

  test('filter orders by status and email', async () => {
    const body = checkoutBody([{ sku, quantity: 1 }]);
    const created = (await sys.http.post('/api/checkout', body)).body;
    const res = await sys.http.get(`/api/admin/orders?status=AWAITING_PAYMENT&email=${encodeURIComponent(body.email)}`, admin());
    expect(res.status).toBe(200);
    expect(res.body.orders.map((o: any) => o.orderId)).toEqual([created.orderId]);
  });

  test('refuse a packed signal with a bad parcel weight, and one for an order not being picked', async () => {
    const created = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
    const bad = await sys.http.post(`/api/admin/orders/${created.orderId}/packed`, { by: 'sam', parcels: [{ weightGrams: -5 }] }, admin());
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].field).toBe('parcels.0.weightGrams');
    const early = await sys.http.post(`/api/admin/orders/${created.orderId}/packed`, { by: 'sam', parcels: [{ weightGrams: 500 }] }, admin());
    expect(early.status).toBe(409);
    const missing = await sys.http.post('/api/admin/orders/DY-000000-AAAAA/picked', { by: 'sam' }, admin());
    expect(missing.status).toBe(404);
    const badId = await sys.http.post('/api/admin/orders/not-an-order/picked', { by: 'sam' }, admin());
    expect(badId.status).toBe(400);
  });

  test('retrying an order that needs no attention is 409', async () => {
    const created = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
    const res = await sys.http.post(`/api/admin/orders/${created.orderId}/retry`, { actor: 'sam' }, admin());
    expect(res.status).toBe(409);
  });
});

test('unknown routes answer a JSON 404 without internals', async () => {
  const res = await sys.http.get('/api/nope');
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe('NOT_FOUND');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|node_modules/);
});

test('the catalogue lists every SKU with its price in pence and live stock', async () => {
  const res = await sys.http.get('/api/products');
  expect(res.status).toBe(200);
  const row = res.body.products.find((p: any) => p.sku === sku);
  expect(row).toMatchObject({ size: 'M', pricePence: 2500, available: expect.any(Number) });
  const seeded = res.body.products.filter((p: any) => !p.sku.startsWith('TEST-'));
  expect(seeded.length).toBeGreaterThanOrEqual(50);
  for (const p of res.body.products) expect(Number.isInteger(p.pricePence)).toBe(true);
  expect(seeded.some((p: any) => p.available === 0)).toBe(true);
  void address;
});

test('the OpenAPI document is generated from the same schemas', async () => {
  const res = await sys.http.get('/api/openapi.json');
  expect(res.status).toBe(200);
  expect(res.body.openapi).toBe('3.1.0');
  expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/checkout', '/api/webhooks/stripe', '/api/orders/{orderId}', '/api/orders/{orderId}/cancel', '/api/health']));
  expect(res.body.components.schemas.CheckoutRequest.required).toEqual(expect.arrayContaining(['email', 'name', 'items', 'shippingAddress']));
});
