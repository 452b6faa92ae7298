import Stripe from 'stripe';
import { newOrderNumber } from '../domain/orders/orderNumbers';
import { waitFor } from '../lib/processes';
import { orderWorkflow } from '../workflows/orders/orderWorkflow';
import { cancelUpdate, type OrderInput, orderStateQuery, orderWorkflowId } from '../workflows/orders/definitions';
import { recordHistory } from './helpers/histories';
import { address, availableOf, checkoutBody, createTestSku, orderStatus, type System, startSystem, waitForStatus } from './helpers/system';

/**
 * A character PostgreSQL refuses (NUL) or any other control character must be stopped at the door of every
 * entry point, with a 400 naming the field; and whatever reaches a workflow some other way must put the
 * order in front of an admin rather than retry forever.
 */
let sys: System;
let sku: string;
const NUL = '\u0000';
const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  sys = await startSystem({ name: 'input-safety', env: { WAREHOUSE_MODE: 'manual' } });
  sku = await createTestSku(sys.ctx, 20);
});
afterAll(async () => {
  await sys?.stop();
});

async function footprint() {
  const count = async (table: string) => Number((await sys.ctx.db(table).count({ n: '*' }))[0].n);
  return { orders: await count('orders'), ledger: await count('stock_ledger'), requests: await count('checkout_requests'), webhooks: await count('webhook_events'), events: await count('order_events'), available: await availableOf(sys.ctx, sku) };
}

function expectFields(res: { status: number; body: any }, fields: string[]) {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  const named = res.body.error.fields.map((f: { field: string }) => f.field);
  for (const field of fields) expect(named).toContain(field);
}

async function newOrder() {
  const body = checkoutBody([{ sku, quantity: 1 }]);
  const res = await sys.http.post('/api/checkout', body);
  expect(res.status).toBe(201);
  // The e-mail typed again is the customer's proof for a change (cancel, returns).
  return { ...res.body, email: body.email as string };
}

describe('checkout', () => {
  const cases: Array<[string, () => Record<string, unknown>, string[]]> = [
    ['a NUL in the name', () => checkoutBody([{ sku, quantity: 1 }], { name: `Alex${NUL}Morgan` }), ['name']],
    ['a NUL in the first address line', () => checkoutBody([{ sku, quantity: 1 }], { shippingAddress: { ...address(), line1: `1 High St${NUL}` } }), ['shippingAddress.line1']],
    ['a bell in the city and an escape in the postcode', () => checkoutBody([{ sku, quantity: 1 }], { shippingAddress: { ...address(), city: 'Lon\u0007don', postcode: 'E1\u001b6PQ' } }), ['shippingAddress.city', 'shippingAddress.postcode']],
    ['a line break in the name', () => checkoutBody([{ sku, quantity: 1 }], { name: 'Alex\nMorgan' }), ['name']],
    ['a C1 control in the second address line', () => checkoutBody([{ sku, quantity: 1 }], { shippingAddress: { ...address(), line2: 'Flat\u00852' } }), ['shippingAddress.line2']],
    ['a NUL in the e-mail', () => checkoutBody([{ sku, quantity: 1 }], { email: `a${NUL}@example.com` }), ['email']],
    ['an unknown key inside an item', () => checkoutBody([{ sku, quantity: 1, unitPricePence: 1 } as { sku: string; quantity: number }]), ['items.0.unitPricePence']],
    ['an unknown key inside the address', () => checkoutBody([{ sku, quantity: 1 }], { shippingAddress: { ...address(), county: 'Greater London' } }), ['shippingAddress.county']],
  ];
  test.each(cases)('%s: 400 naming the field, nothing written, no workflow started', async (_name, body, fields) => {
    const before = await footprint();
    const sent = body();
    const res = await sys.http.post('/api/checkout', sent, { 'Idempotency-Key': `input-safety-${Math.random()}` });
    expectFields(res, fields);
    expect(await footprint()).toEqual(before);
    // (the e-mail without its NUL: PostgreSQL would refuse the query itself)
    expect(await sys.ctx.db('orders').where({ email: String(sent.email).toLowerCase().replace(/\u0000/g, '') }).first()).toBeUndefined();
  });

  test('names and notes are trimmed and ordinary punctuation and accents pass', async () => {
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { name: '  Zoë O’Brien-Smith  ' }));
    expect(res.status).toBe(201);
    expect((await sys.ctx.db('orders').where({ order_number: res.body.orderId }).first()).name).toBe('Zoë O’Brien-Smith');
  });
});

describe('customer cancel', () => {
  test('a NUL in the note is a 400; the order is unchanged and can still be cancelled', async () => {
    const order = await newOrder();
    const res = await sys.http.post(`/api/orders/${order.orderId}/cancel?token=${order.trackingToken}`, { note: `changed my mind${NUL}`, email: order.email });
    expectFields(res, ['note']);
    const still = await orderStatus(sys, order);
    expect(still.status).toBe('AWAITING_PAYMENT');
    expect(await availableOf(sys.ctx, sku)).toBeLessThan(20);
    const ok = await sys.http.post(`/api/orders/${order.orderId}/cancel?token=${order.trackingToken}`, { note: 'changed my mind\nsorry', email: order.email });
    expect(ok.status).toBe(200);
    await waitForStatus(sys, order, 'CANCELLED');
  });
});

describe('returns', () => {
  test('a NUL in the reason is a 400 (the customer route and the admin route)', async () => {
    const order = await newOrder();
    const body = { lines: [{ lineNo: 1, quantity: 1 }], reason: `too small${NUL}`, email: order.email };
    expectFields(await sys.http.post(`/api/orders/${order.orderId}/returns?token=${order.trackingToken}`, body), ['reason']);
    expectFields(await sys.http.post(`/api/admin/orders/${order.orderId}/returns`, { ...body, actor: 'ops' }, admin()), ['reason']);
    expectFields(await sys.http.post(`/api/orders/${order.orderId}/returns?token=${order.trackingToken}`, { lines: [{ lineNo: 1, quantity: 1, refundPence: 1 }], reason: 'too small', email: order.email }), ['lines.0.refundPence']);
  });
});

describe('admin notes', () => {
  test('an admin cancel note, an attention note, a carrier note and a picker name with control characters are 400s; the order is unchanged', async () => {
    const order = await newOrder();
    const before = await sys.ctx.db('order_events').where({ order_number: order.orderId }).count({ n: '*' });
    expectFields(await sys.http.post(`/api/admin/orders/${order.orderId}/cancel`, { actor: 'ops', note: `fraud${NUL}` }, admin()), ['note']);
    expectFields(await sys.http.post(`/api/admin/orders/${order.orderId}/cancel`, { actor: `o${NUL}ps` }, admin()), ['actor']);
    expectFields(await sys.http.post(`/api/admin/orders/${order.orderId}/attention`, { action: 'retry', note: `x${NUL}` }, admin()), ['note']);
    expectFields(await sys.http.post(`/api/admin/orders/${order.orderId}/carrier`, { carrier: 'dpd', note: `cheaper${NUL}` }, admin()), ['note']);
    expectFields(await sys.http.post(`/api/admin/orders/${order.orderId}/picked`, { by: `Sam${NUL}` }, admin()), ['by']);
    expectFields(await sys.http.post(`/api/admin/orders/${order.orderId}/packed`, { by: 'Sam', parcels: [{ weightGrams: 500, extra: 1 }] }, admin()), ['parcels.0.extra']);
    expect((await orderStatus(sys, order)).status).toBe('AWAITING_PAYMENT');
    expect(await sys.ctx.db('order_events').where({ order_number: order.orderId }).count({ n: '*' })).toEqual(before);
  });

  test('a stock adjustment reason with a NUL is a 400 and stock is unchanged', async () => {
    const before = await footprint();
    expectFields(await sys.http.post(`/api/admin/skus/${sku}/stock-adjustments`, { delta: 3, reason: `recount${NUL}` }, admin()), ['reason']);
    expect(await footprint()).toEqual(before);
  });

  test('erasure and staff sign-in refuse control characters', async () => {
    expectFields(await sys.http.post('/api/admin/customers/erase', { email: 'someone@example.com', by: `ops${NUL}` }, admin()), ['by']);
    expectFields(await sys.http.post('/api/staff/login', { email: `ops${NUL}@example.com`, password: 'whatever-password' }), ['email']);
  });
});

describe('webhooks', () => {
  const secret = () => sys.ctx.config.STRIPE_WEBHOOK_SECRET;
  const post = (payload: string) =>
    sys.http.raw('/api/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: secret() }) }, body: payload });

  test('a signed event with \\u0000 in a string is a 400 and nothing is stored', async () => {
    const order = await newOrder();
    const id = `evt_nul_${Date.now()}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: { id: order.payment.paymentIntentId, object: 'payment_intent', amount: order.totalPence, amount_received: order.totalPence, currency: 'gbp', description: `shirt${NUL}`, metadata: { orderId: order.orderId, note: `x${NUL}` } } },
    });
    const res = await post(payload);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error.fields)).toMatch(/data\.object\.(description|metadata)/);
    expect(await sys.ctx.db('webhook_events').where({ event_id: id }).first()).toBeUndefined();
    expect((await orderStatus(sys, order)).status).toBe('AWAITING_PAYMENT');
  });

  test.each([
    ['id', { object: 'event', type: 'payment_intent.succeeded', data: { object: {} } }],
    ['type', { id: `evt_no_type_${Date.now()}`, object: 'event', data: { object: {} } }],
  ])('a signed event without %s is a 400 naming it', async (field, event) => {
    const before = await footprint();
    const res = await post(JSON.stringify(event));
    expectFields(res, [field]);
    expect(await footprint()).toEqual(before);
  });
});

describe('admin order list dates', () => {
  test.each([
    ['from=275760-09-13', ['query.from']],
    ['from=99999-01-01', ['query.from']],
    ['to=+275760-09-13T00:00:00.000Z', ['query.to']],
    ['from=2026-12-01&to=2026-11-01', ['query.to']],
  ])('%s is a 400 naming the field', async (query, fields) => {
    expectFields(await sys.http.get(`/api/admin/orders?${query}`, admin()), fields);
  });

  test('ordinary dates still filter', async () => {
    const res = await sys.http.get('/api/admin/orders?from=2020-01-01&to=2100-01-01T00:00:00Z', admin());
    expect(res.status).toBe(200);
  });
});

describe('workflows started around the API', () => {
  const input = (orderNumber: string, name: string): OrderInput => {
    const c = sys.ctx.config;
    return {
      orderNumber,
      customer: { email: `direct-${orderNumber.toLowerCase()}@example.com`, name },
      items: [{ sku, quantity: 1 }],
      shippingAddress: address(),
      shippingOption: 'standard',
      timings: {
        paymentWindow: c.PAYMENT_WINDOW as OrderInput['timings']['paymentWindow'],
        returnWindow: c.RETURN_WINDOW as OrderInput['timings']['returnWindow'],
        warehouseMode: 'manual',
        warehouseAutoDelay: c.WAREHOUSE_AUTO_DELAY as OrderInput['timings']['warehouseAutoDelay'],
        carrierPollInterval: c.CARRIER_POLL_INTERVAL as OrderInput['timings']['carrierPollInterval'],
        activityRetryMaxInterval: '1s',
        notificationMaxAttempts: 2,
      },
    };
  };

  test('a NUL in the customer name puts the order in NEEDS_ATTENTION (DATA_REJECTED) instead of retrying forever', async () => {
    const orderNumber = newOrderNumber();
    const handle = await sys.ctx.temporal.workflow.start(orderWorkflow, { workflowId: orderWorkflowId(orderNumber), taskQueue: sys.taskQueue, args: [input(orderNumber, `Mallory${NUL}`)] });
    const parked = await waitFor(
      'the order to be parked for an admin',
      async () => {
        const s = await handle.query(orderStateQuery);
        return s.status === 'NEEDS_ATTENTION' ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(parked.attentionReason).toBe('DATA_REJECTED');
    const events = await sys.ctx.db('order_events').where({ order_number: orderNumber, type: 'status_changed', to_status: 'NEEDS_ATTENTION' });
    expect(events).toHaveLength(1);
    expect(events[0].reason).toBe('DATA_REJECTED');
    // Admins find it where they find every other order: the read model holds it, minus what was refused.
    const row = await sys.ctx.db('orders').where({ order_number: orderNumber }).first();
    expect(row).toMatchObject({ status: 'NEEDS_ATTENTION', attention_reason: 'DATA_REJECTED' });
    expect(row.name).not.toContain(NUL);
    const listed = await sys.http.get('/api/admin/orders?attention=true&limit=200', admin());
    expect(listed.body.orders.map((o: any) => o.orderId)).toContain(orderNumber);
    await waitFor('the admin message', async () => (await sys.ctx.db('notifications').where({ order_number: orderNumber, template: 'admin_needs_attention' }).first()) ?? undefined, { timeoutMs: 20_000, intervalMs: 200 });
    // The admin cancels it; it ends like any cancelled order.
    const cancelled = await sys.http.post(`/api/admin/orders/${orderNumber}/cancel`, { actor: 'ops', note: 'bad data' }, admin());
    expect(cancelled.status).toBe(200);
    await waitFor('the workflow to close', async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    expect((await sys.ctx.db('orders').where({ order_number: orderNumber }).first()).status).toBe('CANCELLED');
    await recordHistory(sys, orderWorkflowId(orderNumber), 'data-rejected-admin-cancel');
  });

  test('a cancel with a NUL in its note sent straight to the workflow still cancels the order, and an admin is told', async () => {
    const order = await newOrder();
    const handle = sys.ctx.temporal.workflow.getHandle(orderWorkflowId(order.orderId));
    void handle.executeUpdate(cancelUpdate, { args: [{ by: 'customer', actor: 'customer', note: `oops${NUL}` }] }).catch(() => undefined);
    const row = await waitFor('the order to be cancelled', async () => {
      const r = await sys.ctx.db('orders').where({ order_number: order.orderId }).first();
      return r.status === 'CANCELLED' ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(row.cancel_reason).toBe('CUSTOMER_CANCELLED');
    expect((await handle.query(orderStateQuery)).status).toBe('CANCELLED');
    const events = await sys.ctx.db('order_events').where({ order_number: order.orderId }).orderBy('seq');
    expect(events.map((e) => e.type)).toContain('data_rejected');
    expect(events.find((e) => e.to_status === 'CANCELLED')?.data.note).toBe('oops\uFFFD');
  });
});
