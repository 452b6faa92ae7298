/**
 * The customer's in-app inbox read with the tracking token: the unread count, and marking messages read up to
 * the newest one the page showed (bad input named, nothing changed; other customers' messages untouched).
 */
import { waitFor } from '../lib/processes';
import { placePaidOrder } from './helpers/orders';
import { type System, startSystem } from './helpers/system';

let sys: System;

beforeAll(async () => {
  sys = await startSystem({ name: 'inbox', env: { WAREHOUSE_MODE: 'manual' } });
});
afterAll(async () => {
  await sys?.stop();
});

test('marking in-app messages read: up to an id, for this customer only, with bad input refused', async () => {
  const order = await placePaidOrder(sys, { stock: 2, pricePence: 2000, until: false });
  const base = `/api/orders/${order.orderId}/inbox`;
  const q = `?token=${order.trackingToken}`;
  // Confirmation, receipt, processing; then the manual warehouse holds the order, so no more arrive.
  const first = await waitFor('three in-app messages', async () => {
    const res = await sys.http.get(`${base}${q}`);
    return res.status === 200 && res.body.notifications.length >= 3 ? res.body : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  expect(first.unreadCount).toBe(first.notifications.length);
  expect(first.notifications.every((n: any) => typeof n.id === 'number' && n.readAt === null)).toBe(true);
  const email = (await sys.ctx.db('orders').where({ order_number: order.orderId }).first('email')).email;
  const [someoneElse] = await sys.ctx.db('in_app_notifications').insert({ dedupe_key: `inbox-test-${order.orderId}`, email: 'someone-else@example.com', order_number: 'DY-000000-OTHER', title: 'Not yours', body: 'x' }).returning('id');

  for (const [body, message] of [
    [{}, /upToId/],
    [{ upToId: 'all' }, /upToId/],
    [{ upToId: 0 }, /upToId: must be the id of a message/],
    [{ upToId: 1.5 }, /upToId: must be a whole number/],
    [{ upToId: 1, everything: true }, /everything/],
  ] as const) {
    const res = await sys.http.post(`${base}/read${q}`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(message);
  }
  expect((await sys.http.post(`${base}/read?token=wrong`, { upToId: 1 })).status).toBe(404);
  expect((await sys.http.get(`${base}${q}`)).body.unreadCount).toBe(first.unreadCount);

  // Oldest first in id order: marking up to the oldest leaves the newer ones unread.
  const ids = first.notifications.map((n: any) => n.id).sort((a: number, b: number) => a - b);
  const partly = await sys.http.post(`${base}/read`, { upToId: ids[0] }, { 'X-Tracking-Token': order.trackingToken });
  expect(partly.status).toBe(200);
  expect(partly.body).toEqual({ marked: 1, unreadCount: first.unreadCount - 1 });
  const after = (await sys.http.get(`${base}${q}`)).body;
  expect(after.notifications.find((n: any) => n.id === ids[0]).readAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(after.notifications.filter((n: any) => n.readAt === null)).toHaveLength(first.unreadCount - 1);

  // Up to an id far ahead: everything of this customer, nothing of anyone else's; a repeat changes nothing.
  const all = await sys.http.post(`${base}/read${q}`, { upToId: Number(someoneElse.id) + 1000 });
  expect(all.body.unreadCount).toBe(0);
  expect(all.body.marked).toBeGreaterThanOrEqual(first.unreadCount - 1);
  expect((await sys.http.post(`${base}/read${q}`, { upToId: Number(someoneElse.id) + 1000 })).body).toEqual({ marked: 0, unreadCount: 0 });
  expect((await sys.ctx.db('in_app_notifications').where({ id: someoneElse.id }).first()).read_at).toBeNull();
  const unreadOfCustomer = await sys.ctx.db('in_app_notifications').where({ email }).whereNull('read_at').count({ n: '*' }).first();
  expect(Number(unreadOfCustomer?.n)).toBe(0);

  const doc = (await sys.http.get('/api/openapi.json')).body;
  expect(doc.paths['/api/orders/{orderId}/inbox/read'].post.requestBody.content['application/json'].schema).toBeDefined();
  expect(doc.components.schemas.InboxRead.required).toEqual(['upToId']);
});
