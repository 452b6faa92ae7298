/**
 * The tracking portal after delivery, in a real browser: parcels with their history, a return asked for on the
 * page (a bad request answered next to its field), followed to refunded over the live stream without a
 * reload, with its label; and the customer's in-app messages, updated as events arrive.
 */
import type { Browser } from 'playwright-core';
import { shipmentWorkflowId, trackingPushSignal } from '../../workflows/shipping/definitions';
import { placePaidOrder } from '../helpers/orders';
import { address, checkoutBody, createTestSku, pay, type System, startSystem, waitForStatus } from '../helpers/system';
import { launchBrowser, openPage, unexpectedErrors, type WatchedPage } from './browser';

let sys: System;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  sys = await startSystem({ name: 'web-returns', env: { RETURN_WINDOW: '5 minutes' } });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const p of opened) await p.context.close().catch(() => undefined);
  await browser?.close();
  await sys?.stop();
});

async function deliveredOrder() {
  const tee = await createTestSku(sys.ctx, 5, 3500);
  const cap = await createTestSku(sys.ctx, 5, 2200);
  const order = await placePaidOrder(sys, { items: [{ sku: tee, quantity: 1 }, { sku: cap, quantity: 2 }], until: 'DELIVERED', timeoutMs: 90_000 });
  return { ...order, delivered: order.view, tee, cap };
}

test('request a return on the order page and watch it reach refunded without a reload; messages follow', async () => {
  const order = await deliveredOrder();
  const w = await openPage(browser, sys.url);
  opened.push(w);
  const { page } = w;
  await page.goto(`/orders/${order.orderId}?token=${order.trackingToken}`);
  await page.locator('#order-status[data-status="DELIVERED"]').waitFor({ timeout: 15_000 });

  // The parcel, with its carrier, contents and tracking history (the full one from the shipments endpoint).
  const parcel = page.locator('.parcel[data-status="DELIVERED"]');
  await parcel.waitFor({ timeout: 10_000 });
  const parcelText = await parcel.innerText();
  expect(parcelText).toMatch(/Tracking number: DYS/);
  expect(parcelText).toMatch(/In this parcel: 1 × Test Tee .*\(size M\), 2 × Test Tee/);
  expect(parcelText).toMatch(/Delivered: /);
  await parcel.locator('details.history-more summary').click();
  const fullHistory = parcel.locator('details.history-more li');
  expect(await fullHistory.count()).toBe(order.delivered.shipments[0].events.length);
  expect(await page.locator('.progress li.done').count()).toBe(6);

  // The in-app messages so far (confirmation to delivered), newest first.
  await page.locator('#inbox-list .message').first().waitFor({ timeout: 10_000 });
  // Predicates as functions, not strings: a string is eval'd in the page, which the store's CSP forbids.
  await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#inbox-list .message').length >= 5, undefined, { timeout: 15_000 });
  expect(await page.locator('#inbox-list .message .message-title').first().innerText()).toBe(`Order ${order.orderId} has been delivered`);
  await expectVisible(page, '#inbox-unread');

  const form = page.locator('#return-form');
  await form.waitFor({ timeout: 10_000 });
  expect(await page.locator('#return-window').innerText()).toMatch(/You can return delivered items until \w+day \d+ \w+ \d{4}/);
  expect(await page.locator('#return-lines select').count()).toBe(2);
  await w.snap('order-return-form');
  // Opened with the token, not a one-time link: a change needs the order's e-mail typed again, and the form asks.
  await expectVisible(page, '#return-email');
  const { email } = await sys.ctx.db('orders').where({ order_number: order.orderId }).first('email');
  await page.locator('#return-email').fill(email);

  // Bad requests: the API's words next to the field, and nothing started.
  const errorsBefore = w.errors.length;
  await page.getByLabel(/size M — 2 can come back/).selectOption('1');
  await page.getByRole('button', { name: 'Request a return' }).click();
  const reasonError = page.locator('#return-reason-error');
  await reasonError.waitFor({ timeout: 10_000 });
  expect(await reasonError.innerText()).toBe('must say why, in a few words');
  expect(await page.locator('#return-reason').getAttribute('aria-invalid')).toBe('true');
  await page.getByLabel(/size M — 2 can come back/).selectOption('0');
  await page.getByLabel('Why are you returning them?').fill('Too small');
  await page.getByRole('button', { name: 'Request a return' }).click();
  const linesError = page.locator('#return-lines-error');
  await linesError.waitFor({ timeout: 10_000 });
  expect(await linesError.innerText()).toBe('must name at least one line');
  expect(await page.locator('#return-reason-error').count()).toBe(0);
  await w.snap('order-return-invalid');
  expect(await sys.ctx.db('returns').where({ order_number: order.orderId }).count({ n: '*' }).first()).toEqual({ n: 0 });
  // Chromium logs every 4xx response as a console error: exactly the two refusals above are expected, nothing else.
  const refused = w.errors.splice(errorsBefore);
  expect(refused).toEqual([0, 1].map(() => ({ text: expect.stringMatching(/status of 400 \(Bad Request\)/), url: expect.stringMatching(new RegExp(`/api/orders/${order.orderId}/returns$`)) })));

  // From here the page must never be replaced: every change arrives over the stream.
  await page.evaluate(`(() => {
    window.__sameDocument = true;
    window.__seen = [];
    const pill = document.getElementById('order-status');
    const note = (s) => { if (s && window.__seen[window.__seen.length - 1] !== s) window.__seen.push(s); };
    new MutationObserver((records) => { for (const r of records) note(r.oldValue); note(pill.dataset.status); })
      .observe(pill, { attributes: true, attributeOldValue: true, attributeFilter: ['data-status'] });
  })()`);
  const messagesBefore = await page.locator('#inbox-list .message').count();
  await page.getByLabel(/size M — 2 can come back/).selectOption('2');
  await page.getByRole('button', { name: 'Request a return' }).click();
  const ret = page.locator('.return[data-return-no="1"]');
  await ret.waitFor({ timeout: 15_000 });
  expect(await page.locator('#return-lines-error').count()).toBe(0);
  expect(await ret.innerText()).toMatch(/Items: 2 × Test Tee .* \(size M\)[\s\S]*Reason: Too small/);
  await page.locator('.return[data-return-no="1"] .return-label').waitFor({ timeout: 30_000 });
  await page.locator('.return[data-return-no="1"][data-status="REFUNDED"]').waitFor({ timeout: 60_000 });
  await page.locator('#order-status[data-status="PARTIALLY_RETURNED"]').waitFor({ timeout: 15_000 });
  expect(await page.locator('.return[data-return-no="1"] .return-refund').innerText()).toBe('Refunded: £44.00 to your card');
  await page.locator('#return-notice', { hasText: '£44.00 has been refunded' }).waitFor({ timeout: 10_000 });
  await page.locator('#items .summary', { hasText: /Refunded\s*£44\.00/ }).waitFor({ timeout: 10_000 });
  expect(await page.evaluate('window.__seen')).toEqual(['DELIVERED', 'RETURN_REQUESTED', 'PARTIALLY_RETURNED']);
  expect(await page.evaluate('window.__sameDocument')).toBe(true);
  // The return's step: done, after the six of the delivery.
  expect(await page.locator('.progress li[data-step="RETURN"].done').innerText()).toMatch(/Partly returned/);
  // Only the tee is left to return now.
  expect(await page.locator('#return-lines select').count()).toBe(1);

  const refunds = await sys.ctx.db('refunds').where({ order_number: order.orderId });
  expect(refunds.map((r) => [r.reason, r.amount_pence])).toEqual([['RETURNED', 4400]]);
  const href = (await page.locator('.return-label').getAttribute('href')) as string;
  const label = await page.request.get(href);
  expect(label.status()).toBe(200);
  expect(label.headers()['content-type']).toMatch(/application\/pdf/);

  // The return's messages arrive in the inbox without a reload; then all are marked read.
  await page.waitForFunction(() => [...(globalThis as any).document.querySelectorAll('#inbox-list .message-title')].filter((t: any) => t.textContent.startsWith('An update on your return')).length >= 3, undefined, { timeout: 20_000 });
  expect(await page.locator('#inbox-list .message').count()).toBeGreaterThanOrEqual(messagesBefore + 3);
  const complete = page.locator('#inbox-list .message', { has: page.locator('.message-preview', { hasText: 'Your return is complete' }) });
  await complete.waitFor({ timeout: 20_000 });
  await complete.locator('summary').click();
  expect(await complete.locator('.message-body').innerText()).toMatch(/Refund: £44\.00/);
  await w.snap('order-returned');
  await page.getByRole('button', { name: 'Mark all as read' }).click();
  await page.locator('#inbox-unread').waitFor({ state: 'hidden', timeout: 10_000 });
  expect(await page.locator('#inbox-list .message[data-unread="true"]').count()).toBe(0);
  const unread = await sys.ctx.db('in_app_notifications').where({ order_number: order.orderId }).whereNull('read_at').count({ n: '*' }).first();
  expect(Number(unread?.n)).toBe(0);
  expect(await page.evaluate('window.__sameDocument')).toBe(true);
  expect(unexpectedErrors(w.errors)).toEqual([]);
});

async function expectVisible(page: WatchedPage['page'], selector: string) {
  await page.locator(selector).waitFor({ state: 'visible', timeout: 10_000 });
}

test('two parcels: the page shows each one and the order partly delivered, live', async () => {
  const manual = await startSystem({ name: 'web-parcels', env: { WAREHOUSE_MODE: 'manual' } });
  try {
    const admin = { Authorization: `Bearer ${manual.ctx.config.ADMIN_API_TOKEN}` };
    const tee = await createTestSku(manual.ctx, 3, 3000);
    const hoodie = await createTestSku(manual.ctx, 3, 7000);
    // SANDBOX-LOST parcels go quiet in transit: the carrier's push below delivers the first one only.
    const res = await manual.http.post('/api/checkout', checkoutBody([{ sku: tee, quantity: 1 }, { sku: hoodie, quantity: 1 }], { shippingAddress: address('2 SANDBOX-LOST Street') }));
    const order = res.body as { orderId: string; trackingToken: string };
    await pay(manual, res.body);
    await waitForStatus(manual, order, 'PICKING');
    expect((await manual.http.post(`/api/admin/orders/${order.orderId}/picked`, { by: 'jo' }, admin)).status).toBe(202);
    const packed = await manual.http.post(`/api/admin/orders/${order.orderId}/packed`, { by: 'jo', parcels: [{ weightGrams: 400, lines: [{ lineNo: 1, quantity: 1 }] }, { weightGrams: 900, lines: [{ lineNo: 2, quantity: 1 }] }] }, admin);
    expect(packed.status).toBe(202);
    const shipped = await waitForStatus(manual, order, 'SHIPPED');

    const w = await openPage(browser, manual.url);
    opened.push(w);
    const { page } = w;
    await page.goto(`/orders/${order.orderId}?token=${order.trackingToken}`);
    await page.locator('#order-status[data-status="SHIPPED"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.parcel').count()).toBe(2);
    expect(await page.locator('.parcel h3').allInnerTexts()).toEqual(['Parcel 1 of 2', 'Parcel 2 of 2']);
    expect(await page.locator('.parcel[data-shipment-no="1"] .parcel-lines').innerText()).toMatch(new RegExp(`1 × Test Tee ${tee.slice(0, -2).toLowerCase()} \\(size M\\)`));
    expect(await page.locator('#returns').isHidden()).toBe(true);

    await manual.ctx.temporal.workflow.getHandle(shipmentWorkflowId(order.orderId, 'outbound', 1)).signal(trackingPushSignal, {
      trackingNumber: shipped.shipments[0].trackingNumber,
      events: [{ status: 'DELIVERED', description: 'Delivered to the front door', occurredAt: new Date().toISOString(), location: 'Recipient address' }],
    });
    await page.locator('#order-status[data-status="PARTIALLY_DELIVERED"]').waitFor({ timeout: 30_000 });
    await page.locator('.parcel[data-shipment-no="1"][data-status="DELIVERED"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('.parcel[data-shipment-no="2"] .parcel-status').innerText()).not.toBe('Delivered');
    const step = page.locator('.progress li[data-step="DELIVERED"]');
    expect(await step.getAttribute('class')).toBe('partial');
    expect(await step.getAttribute('aria-current')).toBe('step');
    expect(await step.innerText()).toMatch(/^Partly delivered/);
    expect(await page.locator('.progress li.done').count()).toBe(5);
    await page.locator('#parcels-summary', { hasText: 'Your order comes in 2 parcels: 1 delivered, 1 on the way.' }).waitFor({ timeout: 10_000 });
    // Not yet returnable: the window opens when everything has arrived.
    expect(await page.locator('#returns').isHidden()).toBe(true);
    await w.snap('order-partly-delivered');
    expect(unexpectedErrors(w.errors)).toEqual([]);
  } finally {
    await manual.stop();
  }
});
