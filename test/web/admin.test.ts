/**
 * Staff pages in a real browser: refused while signed out, a change refused without the session's CSRF token
 * (and nothing changed), then the same change made properly and recorded under the staff member's name.
 */
import type { Browser } from 'playwright-core';
import { createStaff } from '../../api/staff/staffStore';
import { checkoutBody, createTestSku, type System, startSystem } from '../helpers/system';
import { launchBrowser, openPage, unexpectedErrors, type WatchedPage } from './browser';

let sys: System;
let browser: Browser;
let w: WatchedPage;
const PASSWORD = 'correct horse battery staple';
const email = `jane.smith.${Date.now()}@dyofficial.co.uk`;

beforeAll(async () => {
  sys = await startSystem({ name: 'web-admin' });
  browser = await launchBrowser();
  w = await openPage(browser, sys.url);
  await createStaff(sys.ctx.db, { email, name: 'Jane Smith', role: 'admin', password: PASSWORD });
});
afterAll(async () => {
  await w?.context.close().catch(() => undefined);
  await browser?.close();
  await sys?.stop();
});

async function newOrder(): Promise<{ orderId: string; email: string }> {
  const sku = await createTestSku(sys.ctx, 5, 3500);
  const body = checkoutBody([{ sku, quantity: 1 }]);
  const res = await sys.http.post('/api/checkout', body);
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return { orderId: res.body.orderId, email: body.email };
}

const events = (orderId: string) => sys.ctx.db('order_events').where({ order_number: orderId }).orderBy('seq');

test('signed out, the staff pages and the admin API are refused', async () => {
  const { page } = w;
  await page.goto('/admin/orders');
  await page.waitForURL(/\/admin\/login\?next=%2Fadmin%2Forders$/);
  await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  await w.snap('admin-login');
  for (const path of ['/admin', '/admin/index.html', '/admin/order.html']) {
    const res = await page.request.get(path, { maxRedirects: 0 });
    expect({ path, status: res.status() }).toEqual({ path, status: 303 });
  }
  const api = await page.request.get('/api/admin/orders');
  expect(api.status()).toBe(401);
  expect((await api.json()).error.code).toBe('UNAUTHORISED');
  expect(unexpectedErrors(w.errors)).toEqual([]);
});

test('with a session but no CSRF token a change is refused with 403 and nothing changes; with it, the admin is named in the timeline', async () => {
  const { page } = w;
  const order = await newOrder();

  await page.goto('/admin/login?next=%2Fadmin%2Forders');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/admin/orders');
  await page.locator('#orders table').waitFor({ timeout: 15_000 });
  await w.snap('admin-orders');

  // The browser's own cookie, but no token: what a forged cross-site form or script would have.
  const before = await events(order.orderId);
  const cookies = await w.context.cookies();
  expect(cookies.find((c) => c.name === 'dy_staff')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  const missing = await page.request.post(`/api/admin/orders/${order.orderId}/cancel`, { data: {} });
  expect(missing.status()).toBe(403);
  expect((await missing.json()).error).toMatchObject({ code: 'CSRF_TOKEN_MISSING', message: expect.stringMatching(/X-CSRF-Token/) });
  const wrong = await page.request.post(`/api/admin/orders/${order.orderId}/cancel`, { data: {}, headers: { 'X-CSRF-Token': 'x'.repeat(43) } });
  expect(wrong.status()).toBe(403);
  expect((await wrong.json()).error.code).toBe('CSRF_TOKEN_INVALID');
  expect(await events(order.orderId)).toEqual(before);
  expect(await sys.ctx.db('orders').where({ order_number: order.orderId }).first('status')).toEqual({ status: 'AWAITING_PAYMENT' });

  // The page itself sends the token: find the order by e-mail and cancel it.
  await page.getByLabel('Customer e-mail').fill(order.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator(`tr[data-order-id="${order.orderId}"]`).waitFor({ timeout: 10_000 });
  expect(await page.locator('#orders tbody tr').count()).toBe(1);
  await page.getByRole('link', { name: order.orderId }).click();
  await page.waitForURL(`**/admin/orders/${order.orderId}`);
  await page.locator('#cancel-form').waitFor({ timeout: 10_000 });
  await w.snap('admin-order');
  await page.getByLabel('Note for the timeline (optional)').fill('customer asked by phone');
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.locator('#admin-order-status', { hasText: 'Cancelled' }).waitFor({ timeout: 30_000 });
  await page.locator('#admin-timeline .actor', { hasText: `admin:Jane Smith <${email}>` }).first().waitFor({ timeout: 10_000 });
  await w.snap('admin-order-cancelled');
  const cancelled = (await events(order.orderId)).find((e) => e.to_status === 'CANCELLED');
  expect(cancelled).toMatchObject({ actor: `admin:Jane Smith <${email}>`, reason: 'ADMIN_CANCELLED' });
  expect(cancelled.data.note).toBe('customer asked by phone');

  // Signing out ends the session on the server: the old cookie opens nothing any more.
  const stale = cookies.find((c) => c.name === 'dy_staff')?.value as string;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/admin/login');
  const after = await sys.http.get('/api/admin/orders', { Cookie: `dy_staff=${stale}` });
  expect(after.status).toBe(401);
  expect(unexpectedErrors(w.errors)).toEqual([]);
});
