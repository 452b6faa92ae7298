/**
 * Staff accounts and sessions over HTTP: sign-in answers that reveal nothing, the per-account limit, session
 * expiry, roles, CSRF, the bearer token beside sessions; the order finder; the dev test-payment switch.
 */
import { createStaff } from '../api/staff/staffStore';
import { FINDER_ANSWER } from '../api/storefront/storefrontRoutes';
import { ConfigError, devTestPaymentsEnabled, loadConfig } from '../lib/config';
import { checkoutBody, createTestSku, type System, startSystem } from './helpers/system';

let sys: System;
const stamp = Date.now();
const admin = { email: `ada.${stamp}@dyofficial.co.uk`, name: 'Ada Admin', role: 'admin' as const, password: 'admin password long enough' };
const packer = { email: `wes.${stamp}@dyofficial.co.uk`, name: 'Wes Warehouse', role: 'warehouse' as const, password: 'warehouse password long' };

beforeAll(async () => {
  sys = await startSystem({ name: 'staff', env: { RATE_LIMIT_LOGIN_ACCOUNT: '3', RATE_LIMIT_ORDER_FIND: '1000', STAFF_SESSION_IDLE: '2s', TRUST_PROXY: 'loopback' }, worker: true });
  await createStaff(sys.ctx.db, admin);
  await createStaff(sys.ctx.db, packer);
});
afterAll(async () => {
  await sys?.stop();
});

async function signIn(who: { email: string; password: string }) {
  const res = await sys.http.post('/api/staff/login', { email: who.email, password: who.password });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${JSON.stringify(res.body)}`);
  const cookie = /^(dy_staff=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] as string;
  return { cookie, csrf: res.body.csrfToken as string, body: res.body, setCookie: res.headers.get('set-cookie') ?? '' };
}

test('the password is stored as argon2id, and an account cannot be created twice', async () => {
  const row = await sys.ctx.db('staff').where({ email: admin.email }).first('password_hash');
  expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  await expect(createStaff(sys.ctx.db, { ...admin, email: admin.email.toUpperCase() })).rejects.toThrow(/already exists/);
});

test('sign-in sets an httpOnly SameSite=Strict cookie and answers who and the CSRF token', async () => {
  const s = await signIn(admin);
  expect(s.setCookie).toMatch(/HttpOnly/);
  expect(s.setCookie).toMatch(/SameSite=Strict/);
  expect(s.setCookie).not.toMatch(/Secure/); // dev over plain HTTP; production sets Secure and the __Host- name
  expect(s.body.staff).toEqual({ email: admin.email, name: admin.name, role: 'admin' });
  expect(s.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const me = await sys.http.get('/api/staff/session', { Cookie: s.cookie });
  expect(me.body).toMatchObject({ staff: { email: admin.email }, csrfToken: s.csrf });
  expect(await sys.ctx.db('staff').where({ email: admin.email }).first('last_login_at')).toEqual({ last_login_at: expect.any(Date) });
});

test('a wrong password, an unknown e-mail and a disabled account get the same answer', async () => {
  const disabled = { email: `gone.${stamp}@dyofficial.co.uk`, name: 'Gone', role: 'support' as const, password: 'a password long enough' };
  await createStaff(sys.ctx.db, disabled);
  await sys.ctx.db('staff').where({ email: disabled.email }).update({ disabled: true });
  const answers = await Promise.all([
    sys.http.post('/api/staff/login', { email: `nobody.${stamp}@dyofficial.co.uk`, password: 'whatever it is here' }),
    sys.http.post('/api/staff/login', { email: packer.email, password: 'not the password at all' }),
    sys.http.post('/api/staff/login', { email: disabled.email, password: disabled.password }),
  ]);
  for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status: 401, body: answers[0].body });
  expect(answers[0].body.error.code).toBe('INVALID_CREDENTIALS');
  const bad = await sys.http.post('/api/staff/login', { email: `not-an-email-${stamp}`, password: '' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password']);
});

test('failed sign-ins are limited per (account, address) pair; a stranger cannot lock the real user out; successes do not count', async () => {
  const victim = { email: `lim.${stamp}@dyofficial.co.uk`, name: 'Lim', role: 'support' as const, password: 'the right password here' };
  await createStaff(sys.ctx.db, victim);
  const stranger = { 'X-Forwarded-For': '192.0.2.77' };
  const own = { 'X-Forwarded-For': '198.51.100.9' };
  for (let i = 0; i < 5; i++) expect((await sys.http.post('/api/staff/login', { email: victim.email, password: victim.password }, own)).status).toBe(200); // successes are taken back
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await sys.http.post('/api/staff/login', { email: victim.email.toUpperCase(), password: `guess ${i} wrong` }, stranger)).status);
  expect(statuses).toEqual([401, 401, 401, 429]);
  const locked = await sys.http.post('/api/staff/login', { email: victim.email, password: victim.password }, stranger);
  expect(locked.status).toBe(429);
  expect(locked.body.error.message).toMatch(/for this account from this address/);
  // The real member of staff, from their own address, still signs in.
  expect((await sys.http.post('/api/staff/login', { email: victim.email, password: victim.password }, own)).status).toBe(200);
});

test('roles: warehouse staff reach the picking list but not webhooks, alerts or the admin stream; the dev key (scope admin) does everything', async () => {
  const s = await signIn(packer);
  expect((await sys.http.get('/api/admin/picking-list', { Cookie: s.cookie })).status).toBe(200);
  const refused = await sys.http.get('/api/admin/webhooks', { Cookie: s.cookie });
  expect(refused.status).toBe(403);
  expect(refused.body.error).toMatchObject({ code: 'ROLE_FORBIDDEN', message: expect.stringMatching(/signed in as warehouse/) });
  expect((await sys.http.get('/api/admin/alerts', { Cookie: s.cookie })).status).toBe(403);
  expect((await sys.http.get('/api/admin/webhooks', { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` })).status).toBe(200);
  // A wrong bearer is not rescued by a valid cookie.
  expect((await sys.http.get('/api/admin/picking-list', { Cookie: s.cookie, Authorization: 'Bearer wrong' })).status).toBe(401);
  // The admin stream (every order's events, customers' data in them) is for admins only.
  expect((await sys.http.get('/api/admin/stream/stats', { Cookie: s.cookie })).status).toBe(403);
  const boss = await signIn(admin);
  expect((await sys.http.get('/api/admin/stream/stats', { Cookie: boss.cookie })).status).toBe(200);
});

test('changes need the CSRF token of this very session; a key needs none and is the actor, whatever the body says', async () => {
  const sku = await createTestSku(sys.ctx, 5);
  const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
  const a = await signIn(admin);
  const b = await signIn(admin);
  const path = `/api/admin/orders/${order.orderId}/cancel`;
  expect((await sys.http.post(path, {}, { Cookie: a.cookie })).body.error.code).toBe('CSRF_TOKEN_MISSING');
  expect((await sys.http.post(path, {}, { Cookie: a.cookie, 'X-CSRF-Token': b.csrf })).body.error.code).toBe('CSRF_TOKEN_INVALID');
  expect((await sys.http.post(path, {}, { Cookie: a.cookie, 'X-CSRF-Token': a.csrf, 'Sec-Fetch-Site': 'cross-site' })).body.error.code).toBe('CSRF_CROSS_SITE');
  expect(await sys.ctx.db('orders').where({ order_number: order.orderId }).first('status')).toEqual({ status: 'AWAITING_PAYMENT' });
  const other = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
  const bearer = await sys.http.post(`/api/admin/orders/${other.orderId}/cancel`, { actor: 'someone typed this' }, { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
  expect(bearer.status).toBe(200);
  expect(bearer.body.timeline.find((e: { toStatus: string }) => e.toStatus === 'CANCELLED').actor).toBe('key:dev');
  // The token in a form field works too, and the event names the staff member, not what the body claims.
  const done = await sys.http.post(path, { _csrf: a.csrf, actor: 'someone else' }, { Cookie: a.cookie });
  expect(done.status).toBe(200);
  expect(done.body.timeline.find((e: { toStatus: string }) => e.toStatus === 'CANCELLED').actor).toBe(`admin:${admin.name} <${admin.email}>`);
});

test('sessions end when idle, and at sign-out on the server', async () => {
  const s = await signIn(admin);
  await new Promise((r) => setTimeout(r, 2500)); // STAFF_SESSION_IDLE is 2s here: the Redis TTL does the expiring
  expect((await sys.http.get('/api/staff/session', { Cookie: s.cookie })).status).toBe(401);
  const t = await signIn(admin);
  expect((await sys.http.post('/api/staff/logout', {}, { Cookie: t.cookie })).status).toBe(403);
  expect((await sys.http.post('/api/staff/logout', {}, { Cookie: t.cookie, 'X-CSRF-Token': t.csrf })).status).toBe(204);
  expect((await sys.http.get('/api/admin/orders', { Cookie: t.cookie })).status).toBe(401);
});

test('the order finder answers every pair, right or wrong, the same way and never with a token', async () => {
  const sku = await createTestSku(sys.ctx, 5);
  const body = checkoutBody([{ sku, quantity: 1 }]);
  const order = (await sys.http.post('/api/checkout', body)).body;
  const started = Date.now();
  const answers = await Promise.all([
    sys.http.post('/api/tracking/lookup', { orderId: order.orderId, email: 'someone.else@example.com' }),
    sys.http.post('/api/tracking/lookup', { orderId: 'DY-000101-AAAAA', email: body.email }),
    sys.http.post('/api/tracking/lookup', { orderId: 'DY-000101-AAAAB', email: 'someone.else@example.com' }),
    sys.http.post('/api/tracking/lookup', { orderId: order.orderId.toLowerCase(), email: body.email.toUpperCase() }),
  ]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  // The right pair's link goes to the order's mailbox (test/access.test.ts follows it); the answer says nothing.
  for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status: 202, body: { message: FINDER_ANSWER } });
  expect(JSON.stringify(answers.map((a) => a.body))).not.toContain(order.trackingToken);
  const bad = await sys.http.post('/api/tracking/lookup', { orderId: 'nope' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'orderId']);
});

test('the order finder is rate-limited per address', async () => {
  const limited = await startSystem({ name: 'staff-limit', env: { RATE_LIMIT_ORDER_FIND: '2', TRUST_PROXY: 'loopback' }, worker: false });
  try {
    // Counts live in the machine's Redis for the window: an address of this run only.
    const me = { 'X-Forwarded-For': `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await limited.http.post('/api/tracking/lookup', { orderId: 'DY-000101-AAAAA', email: 'a@example.com' }, me)).status);
    expect(statuses).toEqual([202, 202, 429]);
  } finally {
    await limited.stop();
  }
});

test('the test-payment endpoint: on in dev, needs the tracking token, off and refused in production', async () => {
  expect(devTestPaymentsEnabled(loadConfig({ NODE_ENV: 'development' }))).toBe(true);
  expect(devTestPaymentsEnabled(loadConfig({ NODE_ENV: 'development', DEV_TEST_PAYMENTS: 'false' }))).toBe(false);
  let error: ConfigError | undefined;
  try {
    loadConfig({ NODE_ENV: 'production', DEV_TEST_PAYMENTS: 'true' });
  } catch (err) {
    error = err as ConfigError;
  }
  expect(error?.problems.find((p) => p.startsWith('DEV_TEST_PAYMENTS:'))).toMatch(/never in production/);

  const sku = await createTestSku(sys.ctx, 5);
  const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
  expect((await sys.http.post('/api/dev/test-payments', { orderId: order.orderId, outcome: 'succeed' }, { 'X-Tracking-Token': 'wrong' })).status).toBe(404);
  const invalid = await sys.http.post('/api/dev/test-payments', { orderId: order.orderId, outcome: 'maybe' }, { 'X-Tracking-Token': order.trackingToken });
  expect(invalid.body.error.fields).toEqual([{ field: 'outcome', message: 'must be succeed or decline' }]);
  const paid = await sys.http.post('/api/dev/test-payments', { orderId: order.orderId, outcome: 'succeed' }, { 'X-Tracking-Token': order.trackingToken });
  expect(paid.status).toBe(202);
  expect(paid.body).toMatchObject({ type: 'payment_intent.succeeded', webhook: { received: true, status: 'processed' } });
  expect(await sys.ctx.db('webhook_events').where({ event_id: paid.body.eventId }).first('status')).toEqual({ status: 'processed' });

  const off = await startSystem({ name: 'staff-off', env: { DEV_TEST_PAYMENTS: 'false' }, worker: false });
  try {
    expect((await off.http.post('/api/dev/test-payments', { orderId: order.orderId, outcome: 'succeed' }, { 'X-Tracking-Token': order.trackingToken })).status).toBe(404);
    expect((await off.http.get('/api/storefront/config')).body.payments).toEqual({ mode: 'none' });
  } finally {
    await off.stop();
  }
});

test('the OpenAPI document lists the new paths', async () => {
  const doc = (await sys.http.get('/api/openapi.json')).body;
  for (const path of ['/api/staff/login', '/api/staff/session', '/api/staff/logout', '/api/storefront/config', '/api/tracking/lookup', '/api/dev/test-payments']) expect({ path, listed: path in doc.paths }).toEqual({ path, listed: true });
});
