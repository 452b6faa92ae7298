import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { allowedOrigins } from '../api/security/cors';
import { FallbackStore } from '../api/security/fallbackStore';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { freePort, waitFor } from '../lib/processes';
import { checkoutBody, type HttpResponse, type System, startSystem } from './helpers/system';

/*
 * The run's Redis is shared (other test files, even other runs), and every request here comes from
 * 127.0.0.1. So systems that count in Redis trust the loopback proxy and each test speaks as its own
 * client address through X-Forwarded-For: its counts start at zero whatever else is running.
 */
const SHOP = 'https://shop.example.com';
const ADMIN = 'https://admin.example.com';
const LIMITS = { RATE_LIMIT_CHECKOUT: '3', RATE_LIMIT_ORDER_LOOKUP: '3', RATE_LIMIT_LOGIN: '2' };

const systems: System[] = [];
let main: System;

async function system(env: Record<string, string>, opts: { redisUp?: boolean } = {}): Promise<System> {
  const s = await startSystem({ name: 'hardening', worker: false, env });
  systems.push(s);
  // Until its connection is up an instance counts in-process only: the shared-count tests start after that.
  if (opts.redisUp !== false) await redisState(s.ctx.redis, 'ready');
  return s;
}

function redisState(redis: Redis, status: 'ready' | 'end'): Promise<true> {
  return waitFor(`redis to be ${status}`, async () => redis.status === status, { timeoutMs: 10_000, intervalMs: 20 });
}

/** A client address of this test's own (10/8, random): the limiters key on it under `trust proxy`. */
function client(): Record<string, string> {
  const b = randomBytes(3);
  return { 'X-Forwarded-For': `10.${b[0]}.${b[1]}.${b[2]}` };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  main = await system({ TRUST_PROXY: 'loopback', CORS_ORIGINS: `${SHOP}, ${ADMIN}/`, BODY_LIMIT: '1kb', ...LIMITS });
});
afterAll(async () => {
  for (const s of systems.splice(0)) await s.stop();
  process.off('unhandledRejection', onUnhandled);
});

/** What an attacker must never learn from an error: frames, our file layout, our dependencies. */
function expectNoInternals(res: HttpResponse): void {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  expect(text).not.toMatch(/\bat \S+ \(|\bat \/|node_modules|\/work\/|[\w/]+\.(ts|js):\d+/);
  expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
}

function expectRateLimited(res: HttpResponse, policy: string): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.get('ratelimit')).toContain(`"${policy}"`);
  expect(res.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String), retryAfterSeconds: retryAfter } });
}

describe('security headers', () => {
  test('an API response carries helmet headers and no X-Powered-By', async () => {
    const res = await main.http.get('/api/products');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("script-src 'self'");
  });

  test('the pages get the same CSP: their own scripts and stylesheet, nothing inline, nothing from elsewhere', async () => {
    const res = await main.http.get('/');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('https:');
    // Plain-HTTP dev pages would break in Safari with it; production gets it.
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  test('X-Request-Id is echoed only when it is a short safe token; anything else is replaced by a uuid', async () => {
    expect((await main.http.get('/api/products', { 'X-Request-Id': 'req-1.A_b' })).headers.get('x-request-id')).toBe('req-1.A_b');
    for (const bad of ['a'.repeat(65), '<img src=x>', 'two words', 'line\tbreak']) {
      const echoed = (await main.http.get('/api/products', { 'X-Request-Id': bad })).headers.get('x-request-id');
      expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });

  test('error answers carry them too', async () => {
    const res = await main.http.get('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBeTruthy();
  });
});

describe('CORS', () => {
  test('an allowed origin is echoed (exactly, without credentials), with the headers a client needs exposed', async () => {
    const res = await main.http.get('/api/products', { Origin: SHOP });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    // Configured with a trailing slash: still the origin.
    expect((await main.http.get('/api/products', { Origin: ADMIN })).headers.get('access-control-allow-origin')).toBe(ADMIN);
  });

  test.each([
    ['another site', 'https://evil.example.com'],
    ['a look-alike suffix', 'https://shop.example.com.evil.example'],
    ['another scheme', 'http://shop.example.com'],
    ['another port', 'https://shop.example.com:8443'],
    ['the null origin', 'null'],
  ])('%s gets no CORS headers, and still no error', async (_name, origin) => {
    const res = await main.http.get('/api/products', { Origin: origin });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  test('a preflight from an allowed origin is answered for every header the API reads', async () => {
    const res = await main.http.raw('/api/checkout', {
      method: 'OPTIONS',
      headers: { Origin: SHOP, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,idempotency-key', ...client() },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
    for (const h of ['content-type', 'idempotency-key', 'x-tracking-token', 'authorization', 'last-event-id']) expect(allowed).toContain(h);
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  test('a preflight from another origin is not allowed (and not an error)', async () => {
    const res = await main.http.raw('/api/checkout', { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'POST', ...client() } });
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('unset CORS_ORIGINS allows only the origin of PUBLIC_BASE_URL; a value that is not an origin refuses to start', () => {
    const config = (env: Record<string, string>) => loadConfig({ ...process.env, CORS_ORIGINS: '', ...env });
    expect(allowedOrigins(config({ PUBLIC_BASE_URL: 'https://orders.dyofficial.co.uk/track/' }))).toEqual(['https://orders.dyofficial.co.uk']);
    expect(allowedOrigins(config({ CORS_ORIGINS: 'https://a.example, https://a.example/, https://b.example:8443' }))).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(() => allowedOrigins(config({ CORS_ORIGINS: 'dyofficial.co.uk' }))).toThrow(/CORS_ORIGINS/);
    expect(() => allowedOrigins(config({ CORS_ORIGINS: '*' }))).toThrow(/CORS_ORIGINS/);
  });
});

describe('rate limits', () => {
  test('checkout: every attempt counts, whatever its body; the next one is 429 with Retry-After and our error shape', async () => {
    const me = client();
    const attempts = [
      await main.http.post('/api/checkout', {}, me),
      await main.http.raw('/api/checkout', { method: 'POST', headers: { 'Content-Type': 'application/json', ...me }, body: '{"email": ' }),
      await main.http.post('/api/checkout', checkoutBody([{ sku: 'X', quantity: 1 }], { name: 'x'.repeat(2000) }), me),
    ];
    expect(attempts.map((r) => r.status)).toEqual([400, 400, 413]);
    expect(attempts.map((r) => r.headers.get('ratelimit'))).toEqual([expect.stringMatching(/"checkout"; r=2;/), expect.stringMatching(/r=1;/), expect.stringMatching(/r=0;/)]);
    expect(attempts[0].headers.get('ratelimit-policy')).toMatch(/"checkout"; q=3; w=60;/);

    const limited = await main.http.post('/api/checkout', checkoutBody([{ sku: 'X', quantity: 1 }]), me);
    expectRateLimited(limited, 'checkout');
    expect(limited.headers.get('x-request-id')).toBeTruthy();

    // Per client: someone else is not affected, nor is this client's allowance for other routes.
    expect((await main.http.post('/api/checkout', {}, client())).status).toBe(400);
    expect((await main.http.get('/api/orders/DY-NOPE', me)).status).not.toBe(429);
  });

  test('order lookup: the order and its sub-routes share one allowance', async () => {
    const me = client();
    const answers = [
      await main.http.get('/api/orders/DY-NOPE1?token=wrong', me),
      await main.http.get('/api/orders/DY-NOPE2/inbox', { ...me, 'X-Tracking-Token': 'wrong' }),
      await main.http.get('/api/orders/DY-NOPE3', me),
    ];
    for (const r of answers) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(429);
    }
    expectRateLimited(await main.http.get('/api/orders/DY-NOPE4/stream?token=wrong', me), 'order-lookup');
    expectRateLimited(await main.http.get('/api/orders/DY-NOPE1?token=wrong', me), 'order-lookup');
  });

  test('login: per address on POST /api/staff/login, before any credential check', async () => {
    const me = client();
    const first = [await main.http.post('/api/staff/login', { password: 'guess-1' }, me), await main.http.post('/api/staff/login', { password: 'guess-2' }, me)];
    for (const r of first) expect(r.status).not.toBe(429);
    expectRateLimited(await main.http.post('/api/staff/login', { password: 'guess-3' }, me), 'login');
  });

  test('two API instances share one allowance through Redis', async () => {
    const other = await system({ TRUST_PROXY: 'loopback', RATE_LIMIT_CHECKOUT: '4' });
    const peer = await system({ TRUST_PROXY: 'loopback', RATE_LIMIT_CHECKOUT: '4' });
    const me = client();
    const statuses: number[] = [];
    for (const s of [other, peer, other, peer]) statuses.push((await s.http.post('/api/checkout', {}, me)).status);
    expect(statuses).toEqual([400, 400, 400, 400]);
    // Each instance has seen only 2 of this client's 4 requests: only the shared count can refuse the 5th.
    expectRateLimited(await other.http.post('/api/checkout', {}, me), 'checkout');
    expectRateLimited(await peer.http.post('/api/checkout', {}, me), 'checkout');
    expect(Number(await other.ctx.redis.get(`rl:checkout:${me['X-Forwarded-For']}`))).toBe(6);
  });

  test('with Redis down from the start, limits hold in-process and nothing fails with 500', async () => {
    const down = await system({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_CHECKOUT: '3', RATE_LIMIT_ORDER_LOOKUP: '2' }, { redisUp: false });
    expect(down.ctx.redis.status).not.toBe('ready');
    // No TRUST_PROXY here: a forged X-Forwarded-For must not buy a fresh allowance.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await down.http.post('/api/checkout', {}, client())).status);
    expect(statuses).toEqual([400, 400, 400]);
    expectRateLimited(await down.http.post('/api/checkout', {}, client()), 'checkout');
    expectRateLimited(await down.http.post('/api/checkout', checkoutBody([{ sku: 'X', quantity: 1 }])), 'checkout');

    for (let i = 0; i < 2; i++) expect((await down.http.get('/api/orders/DY-NOPE?token=wrong')).status).not.toBe(500);
    expectRateLimited(await down.http.get('/api/orders/DY-NOPE?token=wrong'), 'order-lookup');
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled).toEqual([]);
  });

  test('when Redis drops mid-window a client over its limit stays limited, and counts go back to Redis when it returns', async () => {
    const s = await system({ TRUST_PROXY: 'loopback', RATE_LIMIT_CHECKOUT: '3' });
    const me = client();
    for (let i = 0; i < 3; i++) expect((await s.http.post('/api/checkout', {}, me)).status).toBe(400);

    s.ctx.redis.disconnect();
    expectRateLimited(await s.http.post('/api/checkout', {}, me), 'checkout');
    // Someone new is counted in-process meanwhile.
    const newcomer = client();
    expect((await s.http.post('/api/checkout', {}, newcomer)).status).toBe(400);

    await redisState(s.ctx.redis, 'end');
    await s.ctx.redis.connect();
    await redisState(s.ctx.redis, 'ready');
    const later = client();
    expect((await s.http.post('/api/checkout', {}, later)).status).toBe(400);
    expect(await s.ctx.redis.get(`rl:checkout:${later['X-Forwarded-For']}`)).toBe('1');
    // Back in Redis, whose count for the newcomer starts again at 1: the in-process 2 is the better estimate.
    const res = await s.http.post('/api/checkout', {}, newcomer);
    expect(res.headers.get('ratelimit')).toMatch(/r=1;/);
    expect(await s.ctx.redis.get(`rl:checkout:${newcomer['X-Forwarded-For']}`)).toBe('1');
    expect(unhandled).toEqual([]);
  });
});

describe('FallbackStore', () => {
  const options = { windowMs: 60_000 } as Parameters<FallbackStore['init']>[0];
  const quiet = logger.child({ test: 'hardening' });

  test('builds its Redis store lazily, counts in memory meanwhile, and answers with the larger count', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, enableOfflineQueue: false });
    const prefix = `rl:test-${randomBytes(4).toString('hex')}:`;
    const store = new FallbackStore(redis, prefix, quiet);
    const hits = async () => (await store.increment('k')).totalHits;
    try {
      store.init(options);
      expect([await hits(), await hits()]).toEqual([1, 2]);

      await redis.connect();
      // Redis starts from 1; what this instance already saw still counts.
      expect(await hits()).toBe(3);
      expect(await redis.get(`${prefix}k`)).toBe('1');
      await redis.incrby(`${prefix}k`, 10); // another instance's traffic
      expect(await hits()).toBe(12);
      expect((await store.get('k'))?.totalHits).toBe(12);

      redis.disconnect();
      await redisState(redis, 'end');
      expect(await hits()).toBe(5);

      await redis.connect();
      await store.resetKey('k');
      expect(await redis.exists(`${prefix}k`)).toBe(0);
      expect(await hits()).toBe(1);
    } finally {
      store.shutdown();
      redis.disconnect();
    }
  });
});

describe('error bodies never show internals', () => {
  test.each([
    ['a malformed JSON body', (s: System) => s.http.raw('/api/checkout', { method: 'POST', headers: { 'Content-Type': 'application/json', ...client() }, body: '{"items": [1,' }), 400, 'MALFORMED_JSON'],
    ['an unknown route', (s: System) => s.http.get('/api/nowhere/at/all'), 404, 'NOT_FOUND'],
    ['an over-size body', (s: System) => s.http.post('/api/checkout', { name: 'x'.repeat(5000) }, client()), 413, 'PAYLOAD_TOO_LARGE'],
    ['an over-size body elsewhere', (s: System) => s.http.raw('/api/orders/DY-NOPE/preferences', { method: 'PUT', headers: { 'Content-Type': 'application/json', ...client() }, body: JSON.stringify({ pad: 'x'.repeat(5000) }) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a body that is not UTF-8 JSON', (s: System) => s.http.raw('/api/checkout', { method: 'POST', headers: { 'Content-Type': 'application/json; charset=latin9', ...client() }, body: '{}' }), 415, undefined],
  ])('%s', async (_name, send, status, code) => {
    const res = await send(main);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    if (code) expect(res.body.error.code).toBe(code);
    expectNoInternals(res);
  });
});
