/**
 * The admin catalogue API: stock adjustments (ledger row, never below zero, Idempotency-Key applied once,
 * bad input named and nothing written), price changes with who made them, and roles (admin only).
 */
import { randomBytes } from 'node:crypto';
import { createStaff } from '../api/staff/staffStore';
import { availableOf, createTestSku, type System, startSystem } from './helpers/system';

let sys: System;
const stamp = `${Date.now()}-${randomBytes(2).toString('hex')}`;
const admin = { email: `cat.admin.${stamp}@dyofficial.co.uk`, name: 'Cat Admin', role: 'admin' as const, password: 'admin password long enough' };
const support = { email: `cat.support.${stamp}@dyofficial.co.uk`, name: 'Sue Support', role: 'support' as const, password: 'support password long' };
const packer = { email: `cat.packer.${stamp}@dyofficial.co.uk`, name: 'Pat Packer', role: 'warehouse' as const, password: 'warehouse password long' };
let adminSession: { cookie: string; csrf: string };

beforeAll(async () => {
  sys = await startSystem({ name: 'catalogue-admin', worker: false });
  for (const who of [admin, support, packer]) await createStaff(sys.ctx.db, who);
  adminSession = await signIn(admin);
});
afterAll(async () => {
  await sys?.stop();
});

async function signIn(who: { email: string; password: string }) {
  const res = await sys.http.post('/api/staff/login', { email: who.email, password: who.password });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${JSON.stringify(res.body)}`);
  return { cookie: /^(dy_staff=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] as string, csrf: res.body.csrfToken as string };
}

const asStaff = (s: { cookie: string; csrf: string }, extra: Record<string, string> = {}) => ({ Cookie: s.cookie, 'X-CSRF-Token': s.csrf, ...extra });
const adjust = (sku: string, body: unknown, headers: Record<string, string> = {}, s = adminSession) => sys.http.post(`/api/admin/skus/${sku}/stock-adjustments`, body, asStaff(s, headers));
const ledger = (sku: string) => sys.ctx.db('stock_ledger').where({ sku }).orderBy('id').select('kind', 'ref', 'quantity', 'actor', 'note', 'order_number');
const patch = (sku: string, body: unknown, headers: Record<string, string>) =>
  sys.http.raw(`/api/admin/skus/${sku}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('an adjustment writes one ledger row (kind adjust, the staff member, the reason) and moves stock in the same transaction', async () => {
  const sku = await createTestSku(sys.ctx, 5);
  const res = await adjust(sku, { delta: 12, reason: 'delivery from the supplier' });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ sku, available: 17, replayed: false, adjustment: { kind: 'adjust', quantity: 12, actor: `admin:Cat Admin <${admin.email}>`, note: 'delivery from the supplier', orderId: null } });
  expect(res.body.adjustment.ref).toMatch(/^adjustment-[0-9a-f-]{36}$/);
  expect(await availableOf(sys.ctx, sku)).toBe(17);
  expect(await ledger(sku)).toEqual([{ kind: 'adjust', ref: res.body.adjustment.ref, quantity: 12, actor: `admin:Cat Admin <${admin.email}>`, note: 'delivery from the supplier', order_number: null }]);

  // The page reads it back, newest first.
  const read = await sys.http.get(`/api/admin/skus/${sku}/ledger`, { Cookie: adminSession.cookie });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ sku, available: 17, entries: [{ kind: 'adjust', quantity: 12, note: 'delivery from the supplier' }] });
});

test('the same Idempotency-Key changes stock once, also when sent concurrently; another body under it is a 422', async () => {
  const sku = await createTestSku(sys.ctx, 10);
  const key = { 'Idempotency-Key': `stocktake-${stamp}` };
  const body = { delta: -3, reason: 'damaged in the stockroom' };
  const answers = await Promise.all([adjust(sku, body, key), adjust(sku, body, key), adjust(sku, body, key)]);
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201]);
  for (const a of answers) expect(a.body).toMatchObject({ sku, available: 7, adjustment: { ref: `adjustment-stocktake-${stamp}`, quantity: -3 } });
  expect(answers.filter((a) => a.body.replayed)).toHaveLength(2);
  expect(await availableOf(sys.ctx, sku)).toBe(7);
  expect(await ledger(sku)).toHaveLength(1);

  const again = await adjust(sku, body, key);
  expect(again.status).toBe(200);
  expect(again.body.replayed).toBe(true);
  const other = await adjust(sku, { delta: -4, reason: 'damaged in the stockroom' }, key);
  expect(other.status).toBe(422);
  expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  expect(await availableOf(sys.ctx, sku)).toBe(7);
  expect(await ledger(sku)).toHaveLength(1);
});

test('below zero is a 409 naming the SKU and what is available, and nothing is written', async () => {
  const sku = await createTestSku(sys.ctx, 2);
  const res = await adjust(sku, { delta: -3, reason: 'stocktake found fewer' });
  expect(res.status).toBe(409);
  expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', sku, available: 2, requested: -3 });
  expect(res.body.error.message).toContain(sku);
  expect(res.body.error.message).toContain('2 available');
  expect(await availableOf(sys.ctx, sku)).toBe(2);
  expect(await ledger(sku)).toEqual([]);

  // Down to exactly zero is allowed.
  const toZero = await adjust(sku, { delta: -2, reason: 'stocktake found none' });
  expect(toZero.status).toBe(201);
  expect(await availableOf(sys.ctx, sku)).toBe(0);
});

test('bad input is a 400 naming delta, reason or the key, and writes nothing', async () => {
  const sku = await createTestSku(sys.ctx, 4);
  const fieldsOf = (r: { body: { error: { code: string; fields: Array<{ field: string }> } } }) => r.body.error.fields.map((f) => f.field).sort();
  const cases: Array<[unknown, string[]]> = [
    [{}, ['delta', 'reason']],
    [{ delta: 0, reason: 'nothing at all' }, ['delta']],
    [{ delta: 1.5, reason: 'half a shirt' }, ['delta']],
    [{ delta: '3', reason: 'a string number' }, ['delta']],
    [{ delta: 2, reason: '  ' }, ['reason']],
    [{ delta: 2 }, ['reason']],
    [{ delta: 2, reason: 'x'.repeat(201) }, ['reason']],
    [{ delta: 2, reason: 'fine reason', available: 100 }, ['available']],
  ];
  for (const [body, fields] of cases) {
    const res = await adjust(sku, body);
    expect({ body, status: res.status, code: res.body.error.code, fields: fieldsOf(res) }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED', fields });
  }
  const badKey = await adjust(sku, { delta: 1, reason: 'good reason' }, { 'Idempotency-Key': 'has spaces in it' });
  expect(badKey.status).toBe(400);
  expect(fieldsOf(badKey)).toEqual(['Idempotency-Key']);
  expect(await availableOf(sys.ctx, sku)).toBe(4);
  expect(await ledger(sku)).toEqual([]);

  const missing = await adjust('NO-SUCH-SKU-XYZ', { delta: 1, reason: 'good reason' });
  expect(missing.status).toBe(404);
  expect(missing.body.error.code).toBe('SKU_NOT_FOUND');
});

test('a price change is integer pence, positive, and recorded with who made it', async () => {
  const sku = await createTestSku(sys.ctx, 4, 3500);
  for (const [body, field] of [[{ pricePence: 0 }, 'pricePence'], [{ pricePence: 35.5 }, 'pricePence'], [{}, 'pricePence'], [{ pricePence: 3600, vat: 1 }, 'vat']] as const) {
    const bad = await patch(sku, body, asStaff(adminSession));
    expect({ body, status: bad.status, fields: bad.body.error.fields.map((f: { field: string }) => f.field) }).toEqual({ body, status: 400, fields: [field] });
  }
  expect(await sys.ctx.db('skus').where({ sku }).first('price_pence')).toEqual({ price_pence: 3500 });

  const res = await patch(sku, { pricePence: 3999 }, asStaff(adminSession));
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ sku, pricePence: 3999, previousPricePence: 3500, changed: true, change: { oldPricePence: 3500, newPricePence: 3999, actor: `admin:Cat Admin <${admin.email}>` } });
  expect(await sys.ctx.db('skus').where({ sku }).first('price_pence')).toEqual({ price_pence: 3999 });
  const products = await sys.http.get('/api/products');
  expect(products.body.products.find((p: { sku: string }) => p.sku === sku).pricePence).toBe(3999);

  const same = await patch(sku, { pricePence: 3999 }, asStaff(adminSession));
  expect(same.body).toMatchObject({ changed: false, change: null });
  expect(await sys.ctx.db('price_changes').where({ sku }).select('old_price_pence', 'new_price_pence', 'actor')).toEqual([{ old_price_pence: 3500, new_price_pence: 3999, actor: `admin:Cat Admin <${admin.email}>` }]);
});

test('only admins (and the bearer token, naming itself) may use the catalogue; a change needs the CSRF token', async () => {
  const sku = await createTestSku(sys.ctx, 4);
  for (const who of [support, packer]) {
    const s = await signIn(who);
    const read = await sys.http.get('/api/admin/catalogue', { Cookie: s.cookie });
    expect(read.status).toBe(403);
    expect(read.body.error.code).toBe('ROLE_FORBIDDEN');
    const write = await adjust(sku, { delta: 1, reason: 'not mine to do' }, {}, s);
    expect(write.status).toBe(403);
    expect((await patch(sku, { pricePence: 100 }, asStaff(s))).status).toBe(403);
  }
  const noCsrf = await sys.http.post(`/api/admin/skus/${sku}/stock-adjustments`, { delta: 1, reason: 'no token here' }, { Cookie: adminSession.cookie });
  expect(noCsrf.status).toBe(403);
  expect(noCsrf.body.error.code).toBe('CSRF_TOKEN_MISSING');
  expect((await sys.http.get('/api/admin/catalogue')).status).toBe(401);
  expect(await availableOf(sys.ctx, sku)).toBe(4);

  const bearer = { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` };
  // A key is its own actor: nothing to name in the body, and a name there is ignored.
  const anonymous = await sys.http.post(`/api/admin/skus/${sku}/stock-adjustments`, { delta: 1, reason: 'scanner count' }, bearer);
  expect(anonymous.status).toBe(201);
  expect(anonymous.body.adjustment.actor).toBe('key:dev');
  const named = await sys.http.post(`/api/admin/skus/${sku}/stock-adjustments`, { delta: 1, reason: 'scanner count', actor: 'scanner-3' }, bearer);
  expect(named.status).toBe(201);
  expect(named.body.adjustment.actor).toBe('key:dev');

  const catalogue = await sys.http.get('/api/admin/catalogue', { Cookie: adminSession.cookie });
  expect(catalogue.status).toBe(200);
  const product = catalogue.body.products.find((p: { skus: Array<{ sku: string }> }) => p.skus.some((s) => s.sku === sku));
  // 4 and the two key adjustments of one unit each.
  expect(product.skus).toEqual([{ sku, size: 'M', pricePence: 2500, vatRateBasisPoints: 2000, available: 6 }]);
});

test('the OpenAPI document lists the catalogue and warehouse board routes', async () => {
  const doc = await sys.http.get('/api/openapi.json');
  for (const path of ['/api/admin/catalogue', '/api/admin/skus/{sku}/ledger', '/api/admin/skus/{sku}/stock-adjustments', '/api/admin/skus/{sku}', '/api/admin/warehouse/orders']) expect(Object.keys(doc.body.paths)).toContain(path);
  expect(Object.keys(doc.body.paths['/api/admin/skus/{sku}'])).toEqual(['patch']);
});
