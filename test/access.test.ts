/**
 * Access by order, not by e-mail: a tracking token opens its own order alone; anything keyed by the e-mail
 * needs an address verified by a one-time link; writes need a recent proof; tokens are random, stored hashed,
 * exchanged for cookies, revocable by staff.
 */
import { createHash } from 'node:crypto';
import { waitFor } from '../lib/processes';
import { cookieFor, emailIdsTo, openPage, type SetCookie, verifiedCustomer, waitForLinkEmail } from './helpers/access';
import { listEmails } from './helpers/mailSink';
import { MAIL } from './helpers/access';
import { placePaidOrder } from './helpers/orders';
import { checkoutBody, createTestSku, type System, startSystem, waitForStatus } from './helpers/system';

let sys: System;
const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  sys = await startSystem({ name: 'access', env: { WAREHOUSE_MODE: 'manual' } });
});
afterAll(async () => {
  await sys?.stop();
});

type Order = { orderId: string; trackingToken: string; totalPence: number; payment: { paymentIntentId: string } };

async function checkout(email: string, quantity = 1): Promise<Order> {
  const sku = await createTestSku(sys.ctx, 10, 2000);
  const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity }], { email }));
  expect(res.status).toBe(201);
  return res.body;
}

async function paidAndPicking(email: string): Promise<Order> {
  return placePaidOrder(sys, { stock: 10, pricePence: 2000, checkout: { email }, until: 'PICKING' });
}

async function delivered(email: string): Promise<Order> {
  const order = await paidAndPicking(email);
  expect((await sys.http.post(`/api/admin/orders/${order.orderId}/picked`, { by: 'jo' }, admin())).status).toBe(202);
  expect((await sys.http.post(`/api/admin/orders/${order.orderId}/packed`, { by: 'jo', parcels: [{ weightGrams: 800 }] }, admin())).status).toBe(202);
  await waitForStatus(sys, order, 'DELIVERED', 90_000);
  return order;
}

const tok = (t: string) => ({ 'X-Tracking-Token': t });
const uniqueEmail = (who: string) => `${who}-${Math.random().toString(36).slice(2, 10)}@example.com`;

/** Every order-token or one-time-link looking value in a text: what an attacker could harvest from it. */
function harvest(text: string): { tokens: string[]; pages: string[] } {
  const tokens = [...text.matchAll(/[?&]token=([A-Za-z0-9_%-]+)/g)].map((m) => decodeURIComponent(m[1]));
  const pages = [...text.matchAll(/(\/orders\/DY-\d{6}-[0-9A-Z]{5}\?(?:token|link)=[A-Za-z0-9_%-]+)/g)].map((m) => m[1]);
  return { tokens, pages };
}

test('account takeover: an order placed with the victim’s e-mail sees nothing of the victim’s orders', async () => {
  const victimEmail = uniqueEmail('victim');
  const returnable = await delivered(victimEmail);
  // A return on the victim's order, started by support, so a return label exists to steal.
  const started = await sys.http.post(`/api/admin/orders/${returnable.orderId}/returns`, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'too small', actor: 'kim' }, admin());
  expect(started.status).toBe(201);
  const returnNo = started.body.return.returnNo;
  await waitFor('the victim’s return label', async () => (await sys.http.get(`/api/orders/${returnable.orderId}/returns/${returnNo}/label.pdf`, tok(returnable.trackingToken))).status === 200, { timeoutMs: 30_000, intervalMs: 250 });
  const cancellable = await paidAndPicking(victimEmail);
  const victimOrders = [returnable.orderId, cancellable.orderId];
  await waitFor('in-app messages for both victim orders', async () => {
    const rows = await sys.ctx.db('in_app_notifications').where({ email: victimEmail }).distinct('order_number');
    return rows.length >= 2;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  await sys.ctx.db('customer_preferences').insert({ email: victimEmail, channels: JSON.stringify(['email', 'sms', 'in_app']), phone: '+447700900111', non_essential_opt_out: false }).onConflict('email').merge();

  // The attacker: an unpaid checkout with the victim's address costs nothing.
  const attacker = await checkout(victimEmail.toUpperCase());
  const inbox = await waitFor('the attacker order’s confirmation in its inbox', async () => {
    const res = await sys.http.get(`/api/orders/${attacker.orderId}/inbox`, tok(attacker.trackingToken));
    return res.status === 200 && res.body.notifications.length > 0 ? res.body : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  expect(inbox.notifications.map((n: { orderId: string }) => n.orderId).every((id: string) => id === attacker.orderId)).toBe(true);
  const text = JSON.stringify(inbox);
  for (const id of victimOrders) expect(text).not.toContain(id);

  // Whatever the inbox carries (tokens, links), none opens a victim order.
  const loot = harvest(text);
  const credentials: Array<Record<string, string>> = [tok(attacker.trackingToken), ...loot.tokens.map(tok)];
  for (const page of loot.pages) {
    const opened = await openPage(sys.http, page);
    for (const id of victimOrders) {
      const cookie = cookieFor(opened.cookies, `/api/orders/${id}`);
      if (cookie) credentials.push({ Cookie: cookie });
    }
    const own = cookieFor(opened.cookies, `/api/orders/${attacker.orderId}`);
    if (own) credentials.push({ Cookie: own });
  }
  for (const headers of credentials) {
    for (const id of victimOrders) {
      expect({ id, read: (await sys.http.get(`/api/orders/${id}`, headers)).status }).toEqual({ id, read: 404 });
      expect((await sys.http.get(`/api/orders/${id}/shipments`, headers)).status).toBe(404);
      expect((await sys.http.get(`/api/orders/${id}/inbox`, headers)).status).toBe(404);
      expect((await sys.http.post(`/api/orders/${id}/inbox/read`, { upToId: 1e9 }, headers)).status).toBe(404);
    }
    expect((await sys.http.get(`/api/orders/${returnable.orderId}/returns/${returnNo}/label.pdf`, headers)).status).toBe(404);
    expect((await sys.http.post(`/api/orders/${returnable.orderId}/returns`, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'mine now', email: victimEmail }, headers)).status).toBe(404);
    expect((await sys.http.post(`/api/orders/${cancellable.orderId}/cancel`, { email: victimEmail }, headers)).status).toBe(404);
  }

  // Preferences are the e-mail's, not the order's: the attacker's token neither reads nor changes them.
  const read = await sys.http.get(`/api/orders/${attacker.orderId}/preferences`, tok(attacker.trackingToken));
  expect(read.status).toBe(403);
  expect(JSON.stringify(read.body)).not.toContain('+447700900111');
  const changed = await sys.http.raw(`/api/orders/${attacker.orderId}/preferences`, { method: 'PUT', headers: { 'Content-Type': 'application/json', ...tok(attacker.trackingToken) }, body: JSON.stringify({ phone: '+447700900999', channels: ['sms'], nonEssentialOptOut: true }) });
  expect(changed.status).toBe(403);
  expect((await sys.http.get('/api/customer/preferences', tok(attacker.trackingToken))).status).toBe(403);
  const prefs = await sys.ctx.db('customer_preferences').where({ email: victimEmail }).first();
  expect({ phone: prefs.phone, channels: prefs.channels, optOut: prefs.non_essential_opt_out }).toEqual({ phone: '+447700900111', channels: ['email', 'sms', 'in_app'], optOut: false });

  // Marking read with the attacker's own order marks only that order's messages.
  expect((await sys.http.post(`/api/orders/${attacker.orderId}/inbox/read`, { upToId: 1e9 }, tok(attacker.trackingToken))).status).toBe(200);
  const victimUnread = await sys.ctx.db('in_app_notifications').whereIn('order_number', victimOrders).whereNull('read_at').count({ n: '*' }).first();
  expect(Number(victimUnread?.n)).toBeGreaterThan(0);
  const victimRead = await sys.ctx.db('in_app_notifications').whereIn('order_number', victimOrders).whereNotNull('read_at').count({ n: '*' }).first();
  expect(Number(victimRead?.n)).toBe(0);

  // And the victim's orders are untouched.
  expect((await waitForStatus(sys, cancellable, 'PICKING')).status).toBe('PICKING');
  expect((await sys.ctx.db('returns').where({ order_number: returnable.orderId })).length).toBe(1);
}, 180_000);

test('tokens are random per order and stored only hashed; a replayed checkout answers a fresh token that works', async () => {
  const sku = await createTestSku(sys.ctx, 5, 1500);
  const body = checkoutBody([{ sku, quantity: 1 }]);
  const key = `access-replay-${Date.now()}`;
  const first = await sys.http.post('/api/checkout', body, { 'Idempotency-Key': key });
  const again = await sys.http.post('/api/checkout', body, { 'Idempotency-Key': key });
  expect([first.status, again.status]).toEqual([201, 201]);
  expect(again.body.orderId).toBe(first.body.orderId);
  expect(again.body.trackingToken).not.toBe(first.body.trackingToken);
  expect(first.body.trackingToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  for (const t of [first.body.trackingToken, again.body.trackingToken]) expect((await sys.http.get(`/api/orders/${first.body.orderId}`, tok(t))).status).toBe(200);
  expect((await sys.http.get(`/api/orders/${first.body.orderId}`, tok(`${first.body.trackingToken.slice(0, -1)}A`))).body).toEqual({ error: { code: 'ORDER_NOT_FOUND', message: 'no order with that number and token' } });

  const rows = await sys.ctx.db('order_access_tokens').where({ order_number: first.body.orderId, kind: 'token' });
  expect(rows.map((r) => r.token_hash).sort()).toEqual([first.body.trackingToken, again.body.trackingToken].map((t) => createHash('sha256').update(t).digest('hex')).sort());
  // No table anywhere holds a raw token.
  const tables: string[] = (await sys.ctx.db.raw("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).rows.map((r: { table_name: string }) => r.table_name);
  for (const table of tables) {
    const hit = await sys.ctx.db.raw(`select count(*)::int as n from "${table}" t where t::text like ?`, [`%${first.body.trackingToken}%`]);
    expect({ table, n: hit.rows[0].n }).toEqual({ table, n: 0 });
  }
});

test('the token is exchanged for httpOnly cookies scoped to the order, and leaves the URL', async () => {
  const order = await checkout(uniqueEmail('cookie'));
  const page = await openPage(sys.http, `/orders/${order.orderId}?token=${order.trackingToken}`);
  expect(page.status).toBe(303);
  expect(page.location).toBe(`/orders/${order.orderId}`);
  const orderCookies = page.cookies.filter((c) => c.name === 'dy_order');
  expect(orderCookies.map((c) => c.attributes.path).sort()).toEqual([`/api/orders/${order.orderId}`, `/orders/${order.orderId}`]);
  for (const c of orderCookies) {
    expect(c.attributes.httponly).toBe(true);
    expect(String(c.attributes.samesite).toLowerCase()).toBe('lax');
    expect(c.value).not.toContain(order.trackingToken);
  }
  expect(new Set(orderCookies.map((c) => c.value)).size).toBe(1);
  const cookie = cookieFor(page.cookies, `/api/orders/${order.orderId}`);
  expect((await sys.http.get(`/api/orders/${order.orderId}`, { Cookie: cookie })).status).toBe(200);
  expect((await sys.http.get(`/api/orders/${order.orderId}/inbox`, { Cookie: cookie })).status).toBe(200);
  // The stream takes the cookie too (the page's EventSource-like fetch sends no header).
  const controller = new AbortController();
  const stream = await fetch(`${sys.url}/api/orders/${order.orderId}/stream`, { headers: { Cookie: cookie }, signal: controller.signal });
  expect(stream.status).toBe(200);
  controller.abort();
  // The session is stored hashed, and opens this order alone.
  const other = await checkout(uniqueEmail('cookie-other'));
  expect((await sys.http.get(`/api/orders/${other.orderId}`, { Cookie: `dy_order=${orderCookies[0].value}` })).status).toBe(404);
  const session = await sys.ctx.db('order_access_tokens').where({ order_number: order.orderId, kind: 'session' }).first();
  expect(session.token_hash).toBe(createHash('sha256').update(orderCookies[0].value).digest('hex'));
  // A wrong token sets nothing and still lands on the page without it.
  const wrong = await openPage(sys.http, `/orders/${order.orderId}?token=nope`);
  expect(wrong.status).toBe(303);
  expect(wrong.location).toBe(`/orders/${order.orderId}`);
  expect(wrong.cookies.filter((c) => c.value !== '')).toEqual([]);
});

test('cancel and returns need a recent proof: the order’s e-mail typed again, or a one-time link', async () => {
  const email = uniqueEmail('proof');
  const order = await paidAndPicking(email);
  const refused = await sys.http.post(`/api/orders/${order.orderId}/cancel`, {}, tok(order.trackingToken));
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('PROOF_REQUIRED');
  expect(refused.body.error.fields).toEqual([expect.objectContaining({ field: 'email' })]);
  const wrongEmail = await sys.http.post(`/api/orders/${order.orderId}/cancel`, { email: 'someone@example.com' }, tok(order.trackingToken));
  expect(wrongEmail.body.error.code).toBe('PROOF_REQUIRED');
  // A cookie from the token is no proof either.
  const page = await openPage(sys.http, `/orders/${order.orderId}?token=${order.trackingToken}`);
  const cookie = cookieFor(page.cookies, `/api/orders/${order.orderId}`);
  expect((await sys.http.post(`/api/orders/${order.orderId}/cancel`, {}, { Cookie: cookie })).body.error.code).toBe('PROOF_REQUIRED');
  expect((await waitForStatus(sys, order, 'PICKING')).status).toBe('PICKING');
  const done = await sys.http.post(`/api/orders/${order.orderId}/cancel`, { email: `  ${email.toUpperCase()} ` }, { Cookie: cookie });
  expect(done.status).toBe(200);
  expect(done.body.status).toBe('CANCELLED');

  // With a one-time link the session itself is the proof.
  const second = await paidAndPicking(email);
  const before = await emailIdsTo(email);
  expect((await sys.http.post(`/api/orders/${second.orderId}/verify-email`, {}, tok(second.trackingToken))).status).toBe(202);
  const { link } = await waitForLinkEmail(email, second.orderId, before);
  const opened = await openPage(sys.http, link);
  expect(opened.status).toBe(303);
  const linked = await sys.http.post(`/api/orders/${second.orderId}/cancel`, {}, { Cookie: cookieFor(opened.cookies, `/api/orders/${second.orderId}`) });
  expect(linked.status).toBe(200);

  // A return: refused without proof, started with the e-mail typed.
  const returnable = await delivered(email);
  const lines = [{ lineNo: 1, quantity: 1 }];
  const noProof = await sys.http.post(`/api/orders/${returnable.orderId}/returns`, { lines, reason: 'too big' }, tok(returnable.trackingToken));
  expect(noProof.status).toBe(403);
  expect(noProof.body.error.code).toBe('PROOF_REQUIRED');
  expect(await sys.ctx.db('returns').where({ order_number: returnable.orderId })).toHaveLength(0);
  const withProof = await sys.http.post(`/api/orders/${returnable.orderId}/returns`, { lines, reason: 'too big', email }, tok(returnable.trackingToken));
  expect(withProof.status).toBe(201);
}, 180_000);

test('a one-time link opens once, within its 15 minutes, and verifies the e-mail for the customer routes', async () => {
  const email = uniqueEmail('link');
  const order = await checkout(email);
  const before = await emailIdsTo(email);
  expect((await sys.http.post(`/api/orders/${order.orderId}/verify-email`, {}, tok(order.trackingToken))).status).toBe(202);
  const { link } = await waitForLinkEmail(email, order.orderId, before);
  const row = await sys.ctx.db('order_links').where({ order_number: order.orderId, purpose: 'access' }).orderBy('id', 'desc').first();
  expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(15 * 60_000);
  expect(link).not.toContain(row.token_hash);

  const opened = await openPage(sys.http, link);
  expect(opened.status).toBe(303);
  expect(opened.location).toBe(`/orders/${order.orderId}`);
  const customer = opened.cookies.find((c) => c.name === 'dy_customer') as SetCookie;
  expect(customer.attributes).toMatchObject({ path: '/api/customer', httponly: true });
  const customerCookie = cookieFor(opened.cookies, '/api/customer/preferences');
  const prefs = await sys.http.get('/api/customer/preferences', { Cookie: customerCookie });
  expect(prefs.status).toBe(200);
  expect(prefs.body).toMatchObject({ email, channels: ['email', 'sms', 'in_app'] });
  const put = await sys.http.raw('/api/customer/preferences', { method: 'PUT', headers: { 'Content-Type': 'application/json', Cookie: customerCookie }, body: JSON.stringify({ nonEssentialOptOut: true }) });
  expect(put.status).toBe(200);
  expect((await sys.ctx.db('customer_preferences').where({ email }).first()).non_essential_opt_out).toBe(true);
  const all = await sys.http.get('/api/customer/inbox', { Cookie: customerCookie });
  expect(all.status).toBe(200);
  expect(Array.isArray(all.body.notifications)).toBe(true);
  expect((await sys.http.get('/api/customer/preferences')).body.error.code).toBe('VERIFICATION_REQUIRED');

  // Used: a second open sets nothing.
  const twice = await openPage(sys.http, link);
  expect(twice.cookies.filter((c) => c.value !== '')).toEqual([]);
  // Expired: a fresh link past its 15 minutes opens nothing.
  const before2 = await emailIdsTo(email);
  expect((await sys.http.post(`/api/orders/${order.orderId}/verify-email`, {}, tok(order.trackingToken))).status).toBe(202);
  const fresh = await waitForLinkEmail(email, order.orderId, before2);
  await sys.ctx.db('order_links').where({ order_number: order.orderId, purpose: 'access' }).whereNull('used_at').update({ expires_at: sys.ctx.db.raw("now() - interval '1 second'") });
  const late = await openPage(sys.http, fresh.link);
  expect(late.cookies.filter((c) => c.value !== '')).toEqual([]);
}, 120_000);

test('the order finder answers a match and a mismatch alike and e-mails a link only on a match', async () => {
  const email = uniqueEmail('finder');
  const order = await checkout(email);
  const stranger = uniqueEmail('stranger');
  const before = await emailIdsTo(email);
  const t0 = Date.now();
  const mismatch = await sys.http.post('/api/tracking/lookup', { orderId: order.orderId, email: stranger });
  const t1 = Date.now();
  const match = await sys.http.post('/api/tracking/lookup', { orderId: order.orderId.toLowerCase(), email: email.toUpperCase() });
  const t2 = Date.now();
  const missing = await sys.http.post('/api/tracking/lookup', { orderId: 'DY-000101-AAAAA', email });
  expect(t1 - t0).toBeGreaterThanOrEqual(240);
  expect(t2 - t1).toBeGreaterThanOrEqual(240);
  for (const r of [mismatch, missing]) expect({ status: r.status, body: r.body }).toEqual({ status: match.status, body: match.body });
  expect(match.status).toBe(202);
  expect(JSON.stringify(match.body)).not.toMatch(/token|\/orders\//i);
  const { link } = await waitForLinkEmail(email, order.orderId, before);
  expect((await openPage(sys.http, link)).status).toBe(303);
  // Nothing went to the stranger, and exactly one link to the customer.
  const mails = await listEmails(MAIL());
  expect(mails.filter((m) => m.to.some((a) => a.address === stranger))).toHaveLength(0);
  expect(mails.filter((m) => !before.has(m.id) && m.to.some((a) => a.address === email) && /sign-in link/i.test(m.subject))).toHaveLength(1);
});

test('staff revoke every token, session and link of an order, with the actor recorded, and send a fresh link', async () => {
  const email = uniqueEmail('revoke');
  const order = await checkout(email);
  const page = await openPage(sys.http, `/orders/${order.orderId}?token=${order.trackingToken}`);
  const cookie = cookieFor(page.cookies, `/api/orders/${order.orderId}`);
  expect((await sys.http.get(`/api/orders/${order.orderId}`, { Cookie: cookie })).status).toBe(200);
  const before = await emailIdsTo(email);
  const revoked = await sys.http.post(`/api/admin/orders/${order.orderId}/access/revoke`, { actor: 'kim', rotate: true }, admin());
  expect(revoked.status).toBe(200);
  expect(revoked.body).toMatchObject({ orderId: order.orderId, rotated: true });
  expect(revoked.body.revoked.tokens).toBeGreaterThanOrEqual(1);
  expect(revoked.body.revoked.sessions).toBeGreaterThanOrEqual(1);
  expect((await sys.http.get(`/api/orders/${order.orderId}`, tok(order.trackingToken))).status).toBe(404);
  expect((await sys.http.get(`/api/orders/${order.orderId}`, { Cookie: cookie })).status).toBe(404);
  const event = await sys.ctx.db('order_events').where({ order_number: order.orderId, type: 'access_revoked' }).first();
  expect(event.actor).toBe('key:dev'); // the key that acted, whatever the body says
  const { link } = await waitForLinkEmail(email, order.orderId, before);
  const opened = await openPage(sys.http, link);
  expect((await sys.http.get(`/api/orders/${order.orderId}`, { Cookie: cookieFor(opened.cookies, `/api/orders/${order.orderId}`) })).status).toBe(200);
});

test('each message carries its own expiring link, never the order’s token; it opens that order read-only', async () => {
  const email = uniqueEmail('messages');
  const order = await checkout(email);
  const inbox = await waitFor('the confirmation in the inbox', async () => {
    const res = await sys.http.get(`/api/orders/${order.orderId}/inbox`, tok(order.trackingToken));
    return res.status === 200 && res.body.notifications.length > 0 ? res.body : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  const message = inbox.notifications[0];
  expect(`${message.body} ${message.link}`).not.toContain(order.trackingToken);
  expect(message.link).toMatch(new RegExp(`/orders/${order.orderId}\\?link=[A-Za-z0-9_-]{43}$`));
  const row = await sys.ctx.db('order_links').where({ order_number: order.orderId, purpose: 'message' }).first();
  expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(30 * 86_400_000);
  const path = new URL(message.link).pathname + new URL(message.link).search;
  const opened = await openPage(sys.http, path);
  const cookie = cookieFor(opened.cookies, `/api/orders/${order.orderId}`);
  expect((await sys.http.get(`/api/orders/${order.orderId}`, { Cookie: cookie })).status).toBe(200);
  // Read-only: no proof comes with it, and no verified customer either.
  expect((await sys.http.post(`/api/orders/${order.orderId}/cancel`, {}, { Cookie: cookie })).body.error.code).toBe('PROOF_REQUIRED');
  expect(opened.cookies.find((c) => c.name === 'dy_customer' && c.value !== '')).toBeUndefined();
  // Reusable until it expires (a customer opens a message twice).
  expect((await openPage(sys.http, path)).cookies.some((c) => c.name === 'dy_order' && c.value !== '')).toBe(true);
  const mails = await listEmails(MAIL());
  for (const m of mails.filter((x) => (x.subject ?? '').includes(order.orderId))) expect(`${m.text} ${m.html}`).not.toContain(order.trackingToken);
});

test('the customer preferences need a verified customer: a session from a one-time link', async () => {
  const email = uniqueEmail('verified');
  const order = await checkout(email);
  const cookies = await verifiedCustomer(sys.http, order, email);
  const res = await sys.http.get('/api/customer/preferences', { Cookie: cookieFor(cookies, '/api/customer/preferences') });
  expect(res.status).toBe(200);
  // The customer cookie does not open orders, and the order cookie does not reach the customer routes.
  expect((await sys.http.get('/api/customer/preferences', { Cookie: cookieFor(cookies, `/api/orders/${order.orderId}`) })).status).toBe(403);
});
