/**
 * Customer access in a real browser: the order finder mails a one-time link (and says the same whatever the
 * pair); the page opened from it changes the order without asking again; the page opened with the token asks
 * for the order's e-mail before cancelling. No token ever stays in the address bar or reaches a script.
 */
import type { Browser } from 'playwright-core';
import { emailIdsTo, waitForLinkEmail } from '../helpers/access';
import { checkoutBody, createTestSku, type System, startSystem } from '../helpers/system';
import { launchBrowser, openPage, unexpectedErrors, type WatchedPage } from './browser';

let sys: System;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  sys = await startSystem({ name: 'web-access' });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const p of opened) await p.context.close().catch(() => undefined);
  await browser?.close();
  await sys?.stop();
});

async function newPage(): Promise<WatchedPage> {
  const p = await openPage(browser, sys.url);
  opened.push(p);
  return p;
}

async function unpaidOrder() {
  const sku = await createTestSku(sys.ctx, 3, 2500);
  const body = checkoutBody([{ sku, quantity: 1 }]);
  const res = await sys.http.post('/api/checkout', body);
  expect(res.status).toBe(201);
  return { ...(res.body as { orderId: string; trackingToken: string }), email: body.email };
}

test('the finder mails a one-time link; the page from it cancels without asking for the e-mail', async () => {
  const order = await unpaidOrder();
  const w = await newPage();
  const { page } = w;
  await page.goto('/track');
  // A wrong pair and the right one read the same on the page.
  await page.getByLabel('Order number').fill(order.orderId);
  await page.getByLabel('E-mail').fill('someone.else@example.com');
  await page.getByRole('button', { name: 'E-mail me a link' }).click();
  const wrong = await page.locator('#track-sent').innerText({ timeout: 10_000 });
  const before = await emailIdsTo(order.email);
  await page.getByLabel('E-mail').fill(order.email);
  await page.getByRole('button', { name: 'E-mail me a link' }).click();
  await page.locator('#track-sent').waitFor({ timeout: 10_000 });
  expect(await page.locator('#track-sent').innerText()).toBe(wrong);
  await w.snap('track-link-sent');

  const { link } = await waitForLinkEmail(order.email, order.orderId, before);
  await page.goto(link);
  await page.waitForURL(new RegExp(`/orders/${order.orderId}$`));
  await page.locator('#order-status[data-status="AWAITING_PAYMENT"]').waitFor({ timeout: 15_000 });
  expect(await page.evaluate('document.cookie')).toBe(''); // httpOnly: no script sees the session
  await page.getByRole('button', { name: 'Cancel order' }).click();
  expect(await page.locator('#cancel-email').isVisible()).toBe(false);
  await page.getByRole('button', { name: 'Yes, cancel my order' }).click();
  await page.locator('#order-status[data-status="CANCELLED"]').waitFor({ timeout: 15_000 });
  expect(unexpectedErrors(w.errors)).toEqual([]);
});

test('opened with the token, the page asks for the order’s e-mail before cancelling', async () => {
  const order = await unpaidOrder();
  const w = await newPage();
  const { page } = w;
  await page.goto(`/orders/${order.orderId}?token=${order.trackingToken}`);
  await page.waitForURL(new RegExp(`/orders/${order.orderId}$`));
  await page.locator('#order-status[data-status="AWAITING_PAYMENT"]').waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Cancel order' }).click();
  const field = page.locator('#cancel-email');
  await field.waitFor({ state: 'visible', timeout: 5000 });
  await w.snap('order-cancel-asks-email');
  await field.fill(order.email.toUpperCase());
  await page.getByRole('button', { name: 'Yes, cancel my order' }).click();
  await page.locator('#order-status[data-status="CANCELLED"]').waitFor({ timeout: 15_000 });
  expect((await sys.ctx.db('orders').where({ order_number: order.orderId }).first('cancel_reason')).cancel_reason).toBe('CUSTOMER_CANCELLED');
  expect(unexpectedErrors(w.errors)).toEqual([]);
});
