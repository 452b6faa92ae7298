import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { ORDER_EVENTS_CHANNEL } from '../domain/orders/recordOrderEvent';
import { CUSTOMER_EVENT_TYPES } from '../api/orders/customerView';
import { closeStreams, streamHub, streamStats } from '../api/streams/streamHub';
import { projectRoot } from '../lib/paths';
import { freePort, portOpen, type Service, startService, waitFor } from '../lib/processes';
import { ids, openSse, orderEvents, type SseStream } from './helpers/sse';
import { checkoutBody, createTestSku, pay, type System, startSystem, waitForStatus } from './helpers/system';

const STATUS_PATH = ['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED'];

let sys: System;
const opened: SseStream[] = [];
const systems: System[] = [];

beforeAll(async () => {
  sys = await startSystem({ name: 'streams', env: { STREAM_HEARTBEAT: '1s' } });
});
afterEach(async () => {
  for (const s of opened.splice(0)) s.close();
  for (const s of systems.splice(0)) await s.stop();
  // Also checks the server notices a client leaving: every closed stream is counted out.
  await waitFor('closed streams to be counted out', async () => streamStats(sys.ctx).open === 0, { timeoutMs: 10_000, intervalMs: 20 });
});
afterAll(async () => {
  await sys?.stop();
});

async function track(s: Promise<SseStream>): Promise<SseStream> {
  const stream = await s;
  opened.push(stream);
  return stream;
}

async function extraSystem(opts: Parameters<typeof startSystem>[0]): Promise<System> {
  const s = await startSystem(opts);
  systems.push(s);
  return s;
}

interface Order {
  orderId: string;
  trackingToken: string;
  totalPence: number;
  payment: { paymentIntentId: string };
}

async function newOrder(s: System): Promise<Order> {
  const sku = await createTestSku(s.ctx, 50, 2000);
  const res = await s.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]));
  if (res.status !== 201) throw new Error(`checkout answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

const customerStream = (s: System, order: Order, query = '', headers: Record<string, string> = {}) =>
  track(openSse(`${s.url}/api/orders/${order.orderId}/stream?token=${encodeURIComponent(order.trackingToken)}${query}`, headers));

// The admin key only in the Authorization header: a bearer secret in a URL lands in access logs.
const adminStream = (s: System, query = '', headers: Record<string, string> = {}) =>
  track(openSse(`${s.url}/api/admin/stream${query.replace(/^&/, '?')}`, { Authorization: `Bearer ${s.ctx.config.ADMIN_API_TOKEN}`, ...headers }));

const reached = (stream: SseStream, status: string, orderId?: string, timeoutMs = 60_000) =>
  stream.until(`${orderId ?? 'an order'} to reach ${status} on the stream`, (s) => orderEvents(s).find((e) => e.toStatus === status && (!orderId || e.orderNumber === orderId)), timeoutMs);

/** The log's rows a stream owes its reader: a customer's stream carries only the event types customers are shown. */
async function logRows(s: System, orderId: string, upTo = Number.MAX_SAFE_INTEGER, after = 0, audience: 'customer' | 'staff' = 'customer'): Promise<Array<{ id: number; seq: number }>> {
  const q = s.ctx.db('order_events').where({ order_number: orderId }).andWhere('id', '>', after).andWhere('id', '<=', upTo).orderBy('id').select('id', 'seq');
  if (audience === 'customer') q.whereIn('type', [...CUSTOMER_EVENT_TYPES]);
  return q;
}

async function logIds(s: System, orderId: string, upTo = Number.MAX_SAFE_INTEGER, after = 0, audience: 'customer' | 'staff' = 'customer'): Promise<number[]> {
  return (await logRows(s, orderId, upTo, after, audience)).map((r) => r.id);
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

test('a customer stream follows its order live to DELIVERED, in order, with the SSE headers and framing', async () => {
  const order = await newOrder(sys);
  const stream = await customerStream(sys, order);
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(stream.headers.get('cache-control')).toBe('no-cache, no-transform');
  expect(stream.headers.get('connection')).toBe('keep-alive');
  expect(stream.headers.get('x-accel-buffering')).toBe('no');
  // The history so far comes first: the page can draw the whole timeline from the stream.
  await reached(stream, 'AWAITING_PAYMENT', order.orderId, 10_000);
  expect(stream.raw.startsWith('retry: 3000\n\n')).toBe(true);
  expect(stream.retry).toBe(3000);

  const paidAt = Date.now();
  expect((await pay(sys, order)).res.status).toBe(200);
  await reached(stream, 'DELIVERED');

  const events = orderEvents(stream);
  expect(stream.messages.every((m) => m.event === 'order' && m.id === String(m.json.id))).toBe(true);
  expect(events.every((e) => e.orderNumber === order.orderId)).toBe(true);
  expect(events.filter((e) => e.type === 'status_changed').map((e) => e.toStatus)).toEqual(STATUS_PATH);
  expect(increasing(ids(events))).toBe(true);
  expect(events.map((e) => e.seq)).toEqual((await logRows(sys, order.orderId, events[events.length - 1].id)).map((r) => r.seq));
  expect(events[0].seq).toBe(1);
  expect(ids(events)).toEqual(await logIds(sys, order.orderId, events[events.length - 1].id));
  const paid = stream.messages.find((m) => m.json.toStatus === 'PAID');
  expect(paid?.receivedAt).toBeGreaterThanOrEqual(paidAt); // live, not a replay after the fact
  // A customer is told who by role (see customerViews.test.ts); the admin stream carries the actor as recorded.
  expect(events.find((e) => e.toStatus === 'PAID')).toMatchObject({ type: 'status_changed', fromStatus: 'AWAITING_PAYMENT', actor: 'payment', data: expect.any(Object), occurredAt: expect.any(String) });
});

test('a stream that drops and reconnects with Last-Event-ID gets exactly what it missed', async () => {
  const order = await newOrder(sys);
  const first = await customerStream(sys, order);
  await pay(sys, order);
  await reached(first, 'PROCESSING', order.orderId);
  first.close();
  const before = ids(orderEvents(first));
  const lastSeen = before[before.length - 1];

  await waitForStatus(sys, order, 'DELIVERED');
  const second = await customerStream(sys, order, '', { 'Last-Event-ID': String(lastSeen) });
  await reached(second, 'DELIVERED');
  const after = ids(orderEvents(second));
  expect(after[0]).toBeGreaterThan(lastSeen);
  const received = [...before, ...after];
  expect(new Set(received).size).toBe(received.length);
  expect(received).toEqual(await logIds(sys, order.orderId, received[received.length - 1]));

  // A first connect may name its starting point in the query (EventSource cannot set the header).
  const paidId = orderEvents(first).find((e) => e.toStatus === 'PAID').id;
  const third = await customerStream(sys, order, `&lastEventId=${paidId}`);
  await reached(third, 'DELIVERED');
  expect(ids(orderEvents(third))).toEqual(await logIds(sys, order.orderId, ids(orderEvents(third)).pop(), paidId));

  const bad = await customerStream(sys, order, '', { 'Last-Event-ID': 'yesterday' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
});

test('an event raised through one API process reaches a stream held on another, through Redis', async () => {
  const other = await extraSystem({ name: 'streams-b', worker: false });
  const order = await newOrder(sys);
  const onB = await customerStream(other, order);
  const adminOnB = await adminStream(other);
  await reached(onB, 'AWAITING_PAYMENT', order.orderId, 10_000);
  await waitFor('B to follow Redis pub/sub', async () => streamStats(other.ctx).feed.mode === 'pubsub', { timeoutMs: 10_000, intervalMs: 50 });

  await pay(sys, order);
  await reached(onB, 'DELIVERED');
  await reached(adminOnB, 'DELIVERED', order.orderId);
  const events = orderEvents(onB);
  expect(events.filter((e) => e.type === 'status_changed').map((e) => e.toStatus)).toEqual(STATUS_PATH);
  expect(ids(events)).toEqual(await logIds(sys, order.orderId, events[events.length - 1].id));
  // The admin stream started at the live edge: it has this order from PAID on, nothing twice.
  const adminIds = ids(orderEvents(adminOnB).filter((e) => e.orderNumber === order.orderId));
  expect(new Set(adminIds).size).toBe(adminIds.length);
  expect(orderEvents(adminOnB).find((e) => e.orderNumber === order.orderId && e.type === 'status_changed').toStatus).toBe('PAID');
  expect(streamStats(other.ctx)).toMatchObject({ open: 2, feed: { mode: 'pubsub' } });
});

test('tokens: another order’s token and no token are the 404 of a missing order; the admin stream wants the admin token', async () => {
  const mine = await newOrder(sys);
  const theirs = await newOrder(sys);
  const missing = await sys.http.get(`/api/orders/${theirs.orderId}?token=${mine.trackingToken}`);
  expect(missing.status).toBe(404);

  const wrong = await track(openSse(`${sys.url}/api/orders/${theirs.orderId}/stream?token=${mine.trackingToken}`));
  expect(wrong.status).toBe(404);
  expect(wrong.body).toEqual(missing.body);
  const none = await track(openSse(`${sys.url}/api/orders/${theirs.orderId}/stream`));
  expect(none.status).toBe(404);
  expect(none.body).toEqual(missing.body);
  const viaHeader = await track(openSse(`${sys.url}/api/orders/${theirs.orderId}/stream`, { 'X-Tracking-Token': theirs.trackingToken }));
  expect(viaHeader.status).toBe(200);

  for (const headers of [{}, { Authorization: 'Bearer not-the-admin-token' }] as Array<Record<string, string>>) {
    const refused = await track(openSse(`${sys.url}/api/admin/stream`, headers));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHORISED');
  }
  expect((await track(openSse(`${sys.url}/api/admin/stream?token=nope`))).status).toBe(401);
  // Not even the right key is taken from the URL.
  expect((await track(openSse(`${sys.url}/api/admin/stream?token=${sys.ctx.config.ADMIN_API_TOKEN}`))).status).toBe(401);
  const bearer = await track(openSse(`${sys.url}/api/admin/stream`, { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` }));
  expect(bearer.status).toBe(200);
  expect((await sys.http.get('/api/admin/stream/stats')).status).toBe(401);
});

test('an idle stream gets a heartbeat every STREAM_HEARTBEAT', async () => {
  const order = await newOrder(sys);
  const stream = await customerStream(sys, order);
  const startedAt = Date.now();
  await stream.until('three heartbeats', (s) => s.comments.length >= 3, 10_000);
  const beats = stream.comments.map((c) => c.receivedAt);
  expect(stream.comments[0].text).toBe('heartbeat');
  expect(beats[2] - startedAt).toBeGreaterThanOrEqual(2500); // '1s' apart, not a burst
  expect(stream.raw).toContain('\n: heartbeat\n\n');
});

test('without Redis, streams follow the event log in PostgreSQL', async () => {
  const noRedis = await extraSystem({ name: 'streams-noredis', env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
  const order = await newOrder(noRedis);
  const stream = await customerStream(noRedis, order);
  await reached(stream, 'AWAITING_PAYMENT', order.orderId, 10_000);
  expect(streamStats(noRedis.ctx).feed.mode).toBe('polling');
  await pay(noRedis, order);
  await reached(stream, 'DELIVERED');
  const events = orderEvents(stream);
  expect(events.filter((e) => e.type === 'status_changed').map((e) => e.toStatus)).toEqual(STATUS_PATH);
  expect(ids(events)).toEqual(await logIds(noRedis, order.orderId, events[events.length - 1].id));
  const lags = stream.messages.filter((m) => m.json.toStatus !== 'AWAITING_PAYMENT').map((m) => m.receivedAt - Date.parse(m.json.occurredAt)).sort((a, b) => a - b);
  console.log(`polling fallback (no Redis): ${lags.length} events, median ${percentile(lags, 50)} ms, max ${lags[lags.length - 1]} ms`);
});

describe('with a Redis of our own that goes away and comes back', () => {
  let redisPort: number;
  let redis: Service | undefined;
  const startRedis = async () => {
    redis = startService('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitFor('our redis-server', () => portOpen(redisPort), { timeoutMs: 10_000, intervalMs: 50 });
  };
  afterAll(async () => {
    await redis?.stop();
  });

  test('the stream switches to the log and back to pub/sub with no gap and no duplicate', async () => {
    redisPort = await freePort();
    await startRedis();
    const manual = await extraSystem({ name: 'streams-failover', env: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, WAREHOUSE_MODE: 'manual' } });
    const admin = { Authorization: `Bearer ${manual.ctx.config.ADMIN_API_TOKEN}` };
    const order = await newOrder(manual);
    const customer = await customerStream(manual, order);
    const everyOrder = await adminStream(manual, '', {});
    await waitFor('pub/sub', async () => streamStats(manual.ctx).feed.mode === 'pubsub', { timeoutMs: 10_000, intervalMs: 50 });
    await pay(manual, order);
    await reached(customer, 'PICKING', order.orderId);

    await redis?.stop();
    await waitFor('the feed to fall back to polling', async () => streamStats(manual.ctx).feed.mode === 'polling', { timeoutMs: 10_000, intervalMs: 50 });
    expect((await manual.http.post(`/api/admin/orders/${order.orderId}/picked`, { by: 'jo' }, admin)).status).toBe(202);
    await customer.until('the picked event while Redis is down', (s) => orderEvents(s).find((e) => e.type === 'picked'));

    await startRedis();
    await waitFor('the feed back on pub/sub', async () => streamStats(manual.ctx).feed.mode === 'pubsub', { timeoutMs: 20_000, intervalMs: 50 });
    expect((await manual.http.post(`/api/admin/orders/${order.orderId}/packed`, { by: 'jo', parcels: [{ weightGrams: 900 }] }, admin)).status).toBe(202);
    await reached(customer, 'DELIVERED');
    await reached(everyOrder, 'DELIVERED', order.orderId);

    const events = orderEvents(customer);
    expect(events.filter((e) => e.type === 'status_changed').map((e) => e.toStatus)).toEqual(STATUS_PATH);
    expect(ids(events)).toEqual(await logIds(manual, order.orderId, events[events.length - 1].id));
    const adminIds = ids(orderEvents(everyOrder).filter((e) => e.orderNumber === order.orderId));
    expect(adminIds).toEqual(await logIds(manual, order.orderId, adminIds[adminIds.length - 1], adminIds[0] - 1, 'staff'));
  });
});

test('events go out in id order when a higher id commits first; a rolled-back id is skipped; another database’s Redis messages are not ours', async () => {
  const stream = await adminStream(sys);
  await waitFor('pub/sub', async () => streamStats(sys.ctx).feed.mode === 'pubsub', { timeoutMs: 10_000, intervalMs: 50 });
  const orderNumber = `DY-TEST-${randomBytes(3).toString('hex')}`;
  const row = (seq: number) => ({ order_number: orderNumber, seq, event_key: `test-${seq}`, type: 'test_event', actor: 'test' });
  const insert = async (q: any, seq: number): Promise<number> => (await q('order_events').insert(row(seq)).returning('id'))[0].id;
  const publisher = new Redis(sys.ctx.config.REDIS_URL);
  try {
    const slow = await sys.ctx.db.transaction();
    const first = await insert(slow, 1);
    const second = await insert(sys.ctx.db, 2);
    await publisher.publish(ORDER_EVENTS_CHANNEL, JSON.stringify({ id: second, orderNumber }));
    // A dev machine's Redis carries every stack's events: an id from another database must not move us.
    await publisher.publish(ORDER_EVENTS_CHANNEL, JSON.stringify({ id: 9_000_000_000, seq: 1, orderNumber: 'DY-FOREIGN', type: 'status_changed' }));
    const beats = stream.comments.length;
    await stream.until('two heartbeats while the lower id is uncommitted', (s) => s.comments.length >= beats + 2, 10_000);
    expect(orderEvents(stream).filter((e) => e.orderNumber === orderNumber)).toEqual([]);
    expect(streamStats(sys.ctx).feed.position).toBe(first - 1);
    await slow.commit();
    await stream.until('both rows', (s) => orderEvents(s).filter((e) => e.orderNumber === orderNumber).length === 2, 10_000);

    const rolledBack = await sys.ctx.db.transaction();
    const lost = await insert(rolledBack, 3);
    await rolledBack.rollback();
    const fourth = await insert(sys.ctx.db, 4);
    await publisher.publish(ORDER_EVENTS_CHANNEL, JSON.stringify({ id: fourth, orderNumber }));
    await stream.until('the row after the hole', (s) => orderEvents(s).some((e) => e.id === fourth), 10_000);
    expect(ids(orderEvents(stream).filter((e) => e.orderNumber === orderNumber))).toEqual([first, second, fourth]);
    expect(lost).toBeGreaterThan(second);
    expect(orderEvents(stream).some((e) => e.orderNumber === 'DY-FOREIGN')).toBe(false);
    expect(streamStats(sys.ctx).feed.position).toBeLessThan(9_000_000_000);
  } finally {
    publisher.disconnect();
  }
});

test('the per-process cap answers 503 beyond it, and closed streams are counted out', async () => {
  const order = await newOrder(sys);
  const hub = streamHub(sys.ctx);
  const open = streamStats(sys.ctx).open;
  hub.registry.limit = open + 2;
  try {
    const a = await customerStream(sys, order);
    const b = await customerStream(sys, order);
    const c = await customerStream(sys, order);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 503]);
    expect(c.body.error.code).toBe('TOO_MANY_STREAMS');
    expect(c.headers.get('retry-after')).toBe('5');
    a.close();
    await waitFor('the closed stream to be counted out', async () => streamStats(sys.ctx).open === open + 1, { timeoutMs: 5000, intervalMs: 20 });
    expect((await customerStream(sys, order)).status).toBe(200);
  } finally {
    hub.registry.limit = 10_000;
  }
});

test('latency from a recorded status change to an open stream (median, p99)', async () => {
  const stream = await adminStream(sys);
  await waitFor('pub/sub', async () => streamStats(sys.ctx).feed.mode === 'pubsub', { timeoutMs: 10_000, intervalMs: 50 });
  const orders = await Promise.all([0, 1, 2, 3].map(() => newOrder(sys)));
  const mine = new Set(orders.map((o) => o.orderId));
  await Promise.all(orders.map((o) => pay(sys, o)));
  for (const o of orders) await reached(stream, 'DELIVERED', o.orderId);
  const lags = stream.messages
    .filter((m) => mine.has(m.json.orderNumber))
    .map((m) => m.receivedAt - Date.parse(m.json.occurredAt))
    .sort((a, b) => a - b);
  expect(lags.length).toBeGreaterThanOrEqual(30);
  console.log(`stream latency over Redis pub/sub (order_events.occurred_at → received): ${lags.length} events, median ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${lags[lags.length - 1]} ms`);
});

test('one API process fans one event out to 500 concurrent streams', async () => {
  const N = 500;
  const order = await newOrder(sys);
  const before = streamStats(sys.ctx).open;
  const streams: SseStream[] = [];
  for (let i = 0; i < N; i += 100) {
    streams.push(...(await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => customerStream(sys, order)))));
  }
  expect(streams.every((s) => s.status === 200)).toBe(true);
  expect(streamStats(sys.ctx).open).toBe(before + N);
  await Promise.all(streams.map((s) => reached(s, 'AWAITING_PAYMENT', order.orderId, 30_000)));

  await pay(sys, order);
  const paid = await Promise.all(streams.map((s) => reached(s, 'PAID', order.orderId, 30_000)));
  expect(new Set(paid.map((e) => e.id)).size).toBe(1);
  const lags = streams.map((s) => (s.messages.find((m) => m.json.toStatus === 'PAID') as { receivedAt: number }).receivedAt - Date.parse(paid[0].occurredAt)).sort((a, b) => a - b);
  console.log(`fan-out: ${N} concurrent streams on one API process all received PAID; median ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, last ${lags[lags.length - 1]} ms`);

  for (const s of streams) s.close();
  await waitFor('every stream counted out', async () => streamStats(sys.ctx).open === before, { timeoutMs: 10_000, intervalMs: 20 });
});

test('the browser helper resumes with the last id after the server drops it, and stops on a 404', async () => {
  const client = require(path.join(projectRoot, 'web/public/js/orderStream.js'));
  const order = await newOrder(sys);
  const received: any[] = [];
  const states: string[] = [];
  const handle = client.open({
    url: `${sys.url}/api/orders/${order.orderId}/stream`,
    headers: { 'X-Tracking-Token': order.trackingToken },
    baseDelayMs: 50,
    onEvent: (e: any) => received.push(e),
    onState: (s: string) => states.push(s),
  });
  try {
    await waitFor('the history', async () => received.some((e) => e.toStatus === 'AWAITING_PAYMENT'), { timeoutMs: 10_000, intervalMs: 20 });
    await pay(sys, order);
    await waitFor('PAID', async () => received.some((e) => e.toStatus === 'PAID'), { timeoutMs: 30_000, intervalMs: 20 });
    streamHub(sys.ctx).registry.endAll(); // what a deploy does to every open stream
    await waitFor('DELIVERED after the reconnect', async () => received.some((e) => e.toStatus === 'DELIVERED'), { timeoutMs: 60_000, intervalMs: 20 });
    expect(states.filter((s) => s === 'open').length).toBeGreaterThanOrEqual(2);
    const got = ids(received);
    expect(got).toEqual(await logIds(sys, order.orderId, got[got.length - 1]));
    expect(handle.lastEventId).toBe(String(got[got.length - 1]));
  } finally {
    handle.close();
  }

  const errors: any[] = [];
  const refused = client.open({ url: `${sys.url}/api/orders/${order.orderId}/stream?token=wrong`, onError: (e: any) => errors.push(e) });
  await waitFor('the 404 to stop the client', async () => errors.length === 1, { timeoutMs: 10_000, intervalMs: 20 });
  expect(errors[0].status).toBe(404);
  refused.close();
});

test('stopping a server with streams open ends them and closes its feed', async () => {
  const temp = await startSystem({ name: 'streams-stop', worker: false });
  const order = await newOrder(sys);
  const stream = await customerStream(temp, order);
  await reached(stream, 'AWAITING_PAYMENT', order.orderId, 10_000);
  const hub = streamHub(temp.ctx);
  expect(hub.feed.mode).not.toBe('closed');
  await temp.stop();
  await stream.until('the stream to end', (s) => s.ended, 5000);
  expect(hub.registry.open).toBe(0);
  expect(hub.feed.mode).toBe('closed');
  await closeStreams(temp.ctx); // idempotent: the server's close already did it
});
