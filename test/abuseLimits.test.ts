/**
 * Abuse limits (issue 10, item 5): unpaid reservations per client, units per line, the stock hold, SSE caps
 * and lifetime, the admin stream for admins only. Each test speaks as its own client address through
 * X-Forwarded-For (the system trusts the loopback proxy), so counts start at zero whatever else runs.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, unpaidHold } from '../lib/config';
import { firstName } from '../activities/notifications/templates/layout';
import { createStaff } from '../api/staff/staffStore';
import { openSse, type SseStream } from './helpers/sse';
import { availableOf, checkoutBody, createTestSku, type System, startSystem } from './helpers/system';

let sys: System;
const streams: SseStream[] = [];
const stamp = Date.now();
const packer = { email: `abuse.packer.${stamp}@dyofficial.co.uk`, name: 'Pat Packer', role: 'warehouse' as const, password: 'warehouse password long' };

beforeAll(async () => {
  sys = await startSystem({
    name: 'abuse',
    env: { TRUST_PROXY: 'loopback', UNPAID_ORDERS_PER_CLIENT: '3', CHECKOUT_MAX_UNITS_PER_LINE: '10', SSE_MAX_PER_CLIENT: '2', SSE_MAX_PER_ORDER: '3', SSE_MAX_LIFETIME: '1500ms', PAYMENT_WINDOW: '10 minutes' },
  });
  await createStaff(sys.ctx.db, packer);
});
afterAll(async () => {
  for (const s of streams) s.close();
  await sys?.stop();
});

function client(): Record<string, string> {
  const b = randomBytes(3);
  return { 'X-Forwarded-For': `10.${b[0]}.${b[1]}.${b[2]}` };
}

describe('unpaid reservations', () => {
  test('8 parallel checkouts from one client with a limit of 3 make exactly 3 orders; the rest get 429 naming the limit and reserve nothing', async () => {
    const sku = await createTestSku(sys.ctx, 100);
    const from = client();
    const answers = await Promise.all(Array.from({ length: 8 }, () => sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 2 }]), from)));
    const created = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 429);
    expect(created).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r.body.error.code).toBe('TOO_MANY_UNPAID_ORDERS');
      expect(r.body.error.message).toContain('UNPAID_ORDERS_PER_CLIENT');
    }
    expect(await availableOf(sys.ctx, sku)).toBe(100 - 3 * 2);
    // Another client is not held back by this one.
    expect((await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]), client())).status).toBe(201);
  });

  test('units of one SKU in one checkout are capped: 400 naming items.N.quantity, nothing reserved', async () => {
    const sku = await createTestSku(sys.ctx, 80);
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 11 }]), client());
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual([{ field: 'items.0.quantity', message: expect.stringContaining('at most 10') }]);
    // Two lines of the same SKU add up.
    const split = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 6 }, { sku, quantity: 6 }]), client());
    expect(split.status).toBe(400);
    expect(split.body.error.fields[0].field).toBe('items.1.quantity');
    expect(await availableOf(sys.ctx, sku)).toBe(80);
  });

  test('the payment wait is UNPAID_HOLD: 15 minutes by default, never longer than PAYMENT_WINDOW', async () => {
    const sku = await createTestSku(sys.ctx, 5);
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]), client());
    expect(res.status).toBe(201);
    const history = await sys.ctx.temporal.workflow.getHandle(`order-${res.body.orderId}`).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = JSON.parse(Buffer.from(started?.input?.payloads?.[0]?.data as Uint8Array).toString('utf8'));
    // This system's PAYMENT_WINDOW is 10 minutes: the 15-minute default hold is capped at it.
    expect(input.timings.paymentWindow).toBe('10 minutes');
    const base = { NODE_ENV: 'test' };
    expect(unpaidHold(loadConfig(base))).toBe('15 minutes');
    expect(unpaidHold(loadConfig({ ...base, PAYMENT_WINDOW: '20s' }))).toBe('20s');
    expect(unpaidHold(loadConfig({ ...base, UNPAID_HOLD: '5 minutes' }))).toBe('5 minutes');
    let error: ConfigError | undefined;
    try {
      loadConfig({ ...base, UNPAID_HOLD: '40 minutes' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems).toEqual([expect.stringMatching(/^UNPAID_HOLD: must not be longer than PAYMENT_WINDOW/)]);
  });
});

describe('pre-payment e-mails', () => {
  test('the greeting takes a name-like first name only: no URLs or markup from the caller', () => {
    expect(firstName('Alex Morgan')).toBe('Alex');
    expect(firstName("O'Brien-Smith")).toBe("O'Brien-Smith");
    expect(firstName('evil.example/reset your password')).toBeUndefined();
    expect(firstName('<b>Hi</b>')).toBeUndefined();
    expect(firstName('https://evil.example')).toBeUndefined();
  });
});

describe('SSE streams', () => {
  async function order(): Promise<{ orderId: string; trackingToken: string }> {
    const sku = await createTestSku(sys.ctx, 5);
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]), client());
    expect(res.status).toBe(201);
    return res.body;
  }
  const open = async (o: { orderId: string; trackingToken: string }, from: Record<string, string>) => {
    const s = await openSse(`${sys.url}/api/orders/${o.orderId}/stream`, { 'X-Tracking-Token': o.trackingToken, ...from });
    streams.push(s);
    return s;
  };

  test('per client: the stream past SSE_MAX_PER_CLIENT gets 429 naming the limit; another client still connects', async () => {
    const o = await order();
    const from = client();
    expect((await open(o, from)).status).toBe(200);
    expect((await open(o, from)).status).toBe(200);
    const third = await open(o, from);
    expect(third.status).toBe(429);
    expect(third.body.error.message).toContain('SSE_MAX_PER_CLIENT');
    expect((await open(o, client())).status).toBe(200);
  });

  test('per order: the stream past SSE_MAX_PER_ORDER gets 429 naming the limit', async () => {
    const o = await order();
    for (let i = 0; i < 3; i++) expect((await open(o, client())).status).toBe(200);
    const over = await open(o, client());
    expect(over.status).toBe(429);
    expect(over.body.error.message).toContain('SSE_MAX_PER_ORDER');
  });

  test('a stream ends after SSE_MAX_LIFETIME, and the browser helper reconnects with Last-Event-ID', async () => {
    const o = await order();
    const s = await open(o, client());
    expect(s.status).toBe(200);
    await s.until('the server to end the stream', (x) => x.ended, 10_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const helper = require('../web/public/js/orderStream.js');
    const seen: Array<string | undefined> = [];
    const sent: string[] = [];
    const stream = helper.open({
      url: `${sys.url}/api/orders/${o.orderId}/stream`,
      headers: { 'X-Tracking-Token': o.trackingToken, ...client() },
      baseDelayMs: 10,
      fetch: (url: string, init: RequestInit) => {
        sent.push((init.headers as Record<string, string>)['Last-Event-ID'] ?? '');
        return fetch(url, init);
      },
      onEvent: (e: { id: number }) => seen.push(String(e.id)),
    });
    try {
      const deadline = Date.now() + 15_000;
      while (sent.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(sent[1]).toBe(seen[seen.length - 1]);
    } finally {
      stream.close();
    }
  });
});

describe('the admin event stream', () => {
  test('is for admins: a warehouse session gets 403, ?token= is not a key, the header is', async () => {
    const login = await sys.http.post('/api/staff/login', { email: packer.email, password: packer.password });
    const cookie = /^(dy_staff=[^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] as string;
    const asPacker = await openSse(`${sys.url}/api/admin/stream`, { Cookie: cookie });
    streams.push(asPacker);
    expect(asPacker.status).toBe(403);
    expect((await sys.http.get('/api/admin/stream/stats', { Cookie: cookie })).status).toBe(403);
    const viaQuery = await openSse(`${sys.url}/api/admin/stream?token=${sys.ctx.config.ADMIN_API_TOKEN}`);
    streams.push(viaQuery);
    expect(viaQuery.status).toBe(401);
    const viaHeader = await openSse(`${sys.url}/api/admin/stream`, { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
    streams.push(viaHeader);
    expect(viaHeader.status).toBe(200);
    // The warehouse board's own stream: statuses only, no customer data.
    const board = await openSse(`${sys.url}/api/staff/stream`, { Cookie: cookie });
    streams.push(board);
    expect(board.status).toBe(200);
  });
});
