/**
 * The admin API behind the staff order page, the notifications monitor and the system page: parcels with their
 * tracking history, payments and refunds, the link to the order's execution, orders per status, and who may
 * read and resend notifications.
 */
import { randomBytes } from 'node:crypto';
import { executionUrl, temporalUiBase } from '../api/admin/orderDetailRoutes';
import { createStaff } from '../api/staff/staffStore';
import { loadConfig } from '../lib/config';
import { placePaidOrder } from './helpers/orders';
import { checkoutBody, createTestSku, type System, startSystem } from './helpers/system';

let sys: System;
const bearer = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
const PASSWORD = 'correct horse battery staple';
const stamp = randomBytes(3).toString('hex');
const people = {
  admin: { email: `ada.${stamp}@dyofficial.co.uk`, name: 'Ada Admin', role: 'admin' as const },
  support: { email: `sam.${stamp}@dyofficial.co.uk`, name: 'Sam Support', role: 'support' as const },
  warehouse: { email: `wes.${stamp}@dyofficial.co.uk`, name: 'Wes Warehouse', role: 'warehouse' as const },
};
type Who = keyof typeof people;
const sessions = {} as Record<Who, { cookie: string; csrf: string }>;

beforeAll(async () => {
  sys = await startSystem({ name: 'admin-pages', env: { TEMPORAL_UI_URL: 'https://temporal.example.test/ui/' } });
  for (const [who, p] of Object.entries(people) as Array<[Who, (typeof people)[Who]]>) {
    await createStaff(sys.ctx.db, { ...p, password: PASSWORD });
    const res = await sys.http.post('/api/staff/login', { email: p.email, password: PASSWORD });
    expect(res.status).toBe(200);
    sessions[who] = { cookie: /^(dy_staff=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] as string, csrf: res.body.csrfToken };
  }
});
afterAll(async () => {
  await sys?.stop();
});

const as = (who: Who) => ({ Cookie: sessions[who].cookie });

async function deliveredOrder() {
  return placePaidOrder(sys, { stock: 4, pricePence: 3100, quantity: 2, until: 'DELIVERED', timeoutMs: 90_000 });
}

test('an order for staff: every parcel with its whole tracking history, every payment, and its execution in the Temporal UI', async () => {
  const order = await deliveredOrder();

  const shipments = await sys.http.get(`/api/admin/orders/${order.orderId}/shipments`, as('support'));
  expect(shipments.status).toBe(200);
  // Everything the customer's own endpoint gives, without the customer's token, and what only staff see.
  const customers = await sys.http.get(`/api/orders/${order.orderId}/shipments?token=${order.trackingToken}`);
  expect(shipments.body).toMatchObject(customers.body);
  expect(shipments.body.shipments[0]).toHaveProperty('weightGrams');
  expect(customers.body.shipments[0]).not.toHaveProperty('weightGrams');
  expect(shipments.body.shipments).toHaveLength(1);
  expect(shipments.body.shipments[0]).toMatchObject({ shipmentNo: 1, kind: 'outbound', status: 'DELIVERED', trackingNumber: expect.any(String) });
  expect(shipments.body.shipments[0].events.map((e: any) => e.status)).toEqual(expect.arrayContaining(['LABEL_PURCHASED', 'IN_TRANSIT', 'DELIVERED']));
  expect((await sys.http.get(`/api/admin/orders/${order.orderId}/shipments`, as('warehouse'))).status).toBe(200);

  const payments = await sys.http.get(`/api/admin/orders/${order.orderId}/payments`, bearer());
  expect(payments.status).toBe(200);
  expect(payments.body).toEqual({
    orderId: order.orderId,
    payments: [expect.objectContaining({ paymentIntentId: order.payment.paymentIntentId, amountPence: order.totalPence, status: 'succeeded', currency: 'GBP' })],
    refunds: [],
    refundedPence: 0,
  });

  const execution = await sys.http.get(`/api/admin/orders/${order.orderId}/execution`, as('support'));
  expect(execution.status).toBe(200);
  expect(execution.body).toEqual({
    orderId: order.orderId,
    namespace: sys.ctx.config.TEMPORAL_NAMESPACE,
    workflowId: `order-${order.orderId}`,
    temporalUiUrl: `https://temporal.example.test/ui/namespaces/${sys.ctx.config.TEMPORAL_NAMESPACE}/workflows/order-${order.orderId}`,
  });
});

test('a cancelled order shows its refund next to the payment', async () => {
  const placed = await placePaidOrder(sys, { stock: 2, pricePence: 4000, until: ['PAID', 'PROCESSING', 'PICKING'] });
  const cancelled = await sys.http.post(`/api/admin/orders/${placed.orderId}/cancel`, { note: 'asked by phone' }, { ...as('support'), 'X-CSRF-Token': sessions.support.csrf });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe('CANCELLED');
  const payments = await sys.http.get(`/api/admin/orders/${placed.orderId}/payments`, as('admin'));
  expect(payments.body.refunds).toEqual([expect.objectContaining({ amountPence: placed.totalPence, reason: 'ADMIN_CANCELLED', paymentIntentId: placed.payment.paymentIntentId })]);
  expect(payments.body.refundedPence).toBe(placed.totalPence);
});

test('the order detail routes refuse strangers, name a bad order number and 404 an unknown one', async () => {
  for (const part of ['shipments', 'payments', 'execution']) {
    expect((await sys.http.get(`/api/admin/orders/DY-261125-AAAAA/${part}`)).status).toBe(401);
    const unknown = await sys.http.get(`/api/admin/orders/DY-261125-AAAAA/${part}`, bearer());
    expect({ part, status: unknown.status, code: unknown.body.error.code }).toEqual({ part, status: 404, code: 'ORDER_NOT_FOUND' });
    const bad = await sys.http.get(`/api/admin/orders/not-an-order/${part}`, bearer());
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field)).toEqual(['orderId']);
  }
});

test('the Temporal UI link: configured, the dev server outside production, none in production without one', () => {
  const base = { TEMPORAL_UI_PORT: 8233, TEMPORAL_NAMESPACE: 'shop ns' };
  expect(temporalUiBase({ ...base, NODE_ENV: 'development', TEMPORAL_UI_URL: undefined })).toBe('http://127.0.0.1:8233');
  expect(temporalUiBase({ ...base, NODE_ENV: 'production', TEMPORAL_UI_URL: undefined })).toBeNull();
  expect(executionUrl({ ...base, NODE_ENV: 'production', TEMPORAL_UI_URL: 'https://tui.example.com//' }, 'DY-261125-7K3QM')).toBe('https://tui.example.com/namespaces/shop%20ns/workflows/order-DY-261125-7K3QM');
  expect(() => loadConfig({ NODE_ENV: 'development', TEMPORAL_UI_URL: 'not a url' })).toThrow(/TEMPORAL_UI_URL/);
});

test('orders per status: every status counted from the read model, zeros included; admins only', async () => {
  const res = await sys.http.get('/api/admin/system/orders-by-status', as('admin'));
  expect(res.status).toBe(200);
  const rows: Array<{ status: string; n: string }> = await sys.ctx.db('orders').select('status').count({ n: '*' }).groupBy('status');
  const expected: Record<string, number> = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const answered = Object.fromEntries(res.body.counts.map((c: any) => [c.status, c.count]));
  for (const [status, n] of Object.entries(expected)) expect({ status, n: answered[status] }).toEqual({ status, n });
  expect(answered.NEEDS_ATTENTION).toBe(expected.NEEDS_ATTENTION ?? 0);
  expect(res.body.counts.slice(0, 3).map((c: any) => c.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'OUT_OF_STOCK']);
  expect(res.body.total).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
  expect(res.headers.get('cache-control')).toBe('no-store');

  expect((await sys.http.get('/api/admin/system/orders-by-status', bearer())).status).toBe(200);
  for (const who of ['support', 'warehouse'] as const) {
    const refused = await sys.http.get('/api/admin/system/orders-by-status', as(who));
    expect({ who, status: refused.status, code: refused.body.error.code }).toEqual({ who, status: 403, code: 'ROLE_FORBIDDEN' });
  }
  expect((await sys.http.get('/api/admin/system/orders-by-status')).status).toBe(401);
});

test('support reads the notifications and may resend (with the CSRF token); warehouse may not', async () => {
  const sku = await createTestSku(sys.ctx, 2);
  const placed = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
  const failed = await sys.ctx
    .db('notifications')
    .insert({ dedupe_key: `admin-pages-${stamp}`, order_number: placed.orderId, channel: 'sms', template: 'order_confirmed', recipient: '+447700900123', audience: 'customer', status: 'failed', attempts: 8, last_error: 'twilio answered 500', message_id: `admin-pages-${stamp}` })
    .returning('*');
  const id = Number(failed[0].id);

  const list = await sys.http.get(`/api/admin/notifications?status=failed&orderId=${placed.orderId}`, as('support'));
  expect(list.status).toBe(200);
  expect(list.body.notifications).toEqual([expect.objectContaining({ id, status: 'failed', lastError: 'twilio answered 500' })]);
  expect((await sys.http.get('/api/admin/notifications', as('warehouse'))).status).toBe(403);

  // Without the token nothing is touched.
  const forged = await sys.http.post(`/api/admin/notifications/${id}/resend`, {}, as('support'));
  expect(forged.status).toBe(403);
  expect(forged.body.error.code).toBe('CSRF_TOKEN_MISSING');
  expect(await sys.ctx.db('notifications').where({ id }).first('status', 'attempts')).toEqual({ status: 'failed', attempts: 8 });

  // A sent message is never sent twice, whoever asks: the guard let support through to that answer.
  await sys.ctx.db('notifications').where({ id }).update({ status: 'sent' });
  const twice = await sys.http.post(`/api/admin/notifications/${id}/resend`, {}, { ...as('support'), 'X-CSRF-Token': sessions.support.csrf });
  expect(twice.status).toBe(409);
  expect(twice.body.error.code).toBe('ALREADY_SENT');
  const bad = await sys.http.post('/api/admin/notifications/abc/resend', {}, { ...as('support'), 'X-CSRF-Token': sessions.support.csrf });
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields.map((f: any) => f.field)).toEqual(['id']);
});

test('the monitor and system pages are staff pages with their own navigation mark, listed in the OpenAPI document', async () => {
  for (const [path, nav] of [['/admin/notifications', 'notifications'], ['/admin/system', 'system']] as const) {
    const out = await sys.http.raw(path, { redirect: 'manual' });
    expect({ path, status: out.status, location: out.headers.get('location') }).toEqual({ path, status: 303, location: `/admin/login?next=${encodeURIComponent(path)}` });
    const page = await sys.http.get(path, as('admin'));
    expect(page.status).toBe(200);
    expect(page.body).toMatch(new RegExp(`data-nav="${nav}"[^>]*aria-current="page"`));
    expect(page.body).toContain(`/js/admin/${nav}.js`);
  }
  const doc = (await sys.http.get('/api/openapi.json')).body;
  for (const path of ['/api/admin/orders/{orderId}/shipments', '/api/admin/orders/{orderId}/payments', '/api/admin/orders/{orderId}/execution', '/api/admin/system/orders-by-status']) {
    expect({ path, listed: path in doc.paths }).toEqual({ path, listed: true });
  }
});
