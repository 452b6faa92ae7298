/**
 * The storefront in a real browser (headless Chromium): buy with the test-payment panel and follow the order
 * to DELIVERED without a reload; decline a payment and see the message and the stock back.
 */
import type { Browser } from 'playwright-core';
import { availableOf, createTestSku, type System, startSystem } from '../helpers/system';
import { launchBrowser, openPage, unexpectedErrors, type WatchedPage } from './browser';

let sys: System;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  sys = await startSystem({ name: 'web-shop' });
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

const productOf = (sku: string) => sku.slice(0, -2).toLowerCase();

/** From the catalogue to the order's page: add each product once per listed SKU, check out, land on the order. */
async function buy(w: WatchedPage, skus: string[], shots: boolean): Promise<string> {
  const { page } = w;
  await page.goto('/');
  for (const sku of skus) {
    const card = page.locator(`.product[data-product-id="${productOf(sku)}"]`);
    await card.waitFor({ timeout: 15_000 });
    await card.getByRole('button', { name: 'Add to bag' }).click();
  }
  // A function, not a string: a string is eval'd in the page, which the store's CSP forbids.
  await page.waitForFunction((count) => (globalThis as any).document.querySelector('[data-cart-count]')?.textContent === count, String(skus.length), { timeout: 5000 });
  if (shots) await w.snap('storefront');

  await page.getByRole('link', { name: /^Bag/ }).click();
  await page.waitForURL('**/cart');
  await page.locator('#cart table').waitFor({ timeout: 10_000 });
  if (shots) await w.snap('cart');
  await page.getByRole('link', { name: 'Checkout' }).click();
  await page.waitForURL('**/checkout');

  await page.getByLabel('E-mail').fill(`web-${Date.now()}@example.com`);
  await page.getByLabel('Full name').fill('Alex Morgan');
  await page.getByLabel('Address line 1').fill('1 Shoreditch High Street');
  await page.getByLabel('Town or city').fill('London');
  await page.getByLabel('Postcode').fill('E1 6PQ');
  // Quotes when the shipping service answers, the free standard line when it does not: either way a choice shows.
  await page.locator('#shipping-choices input[name="shippingOption"], #shipping-choices [data-shipping-fallback]').first().waitFor({ timeout: 10_000 });
  if (shots) await w.snap('checkout');
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await page.waitForURL(/\/orders\/DY-\d{6}-[0-9A-Z]{5}$/, { timeout: 30_000 });
  const orderId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
  await page.locator('#order-status[data-status="AWAITING_PAYMENT"]').waitFor({ timeout: 15_000 });
  await page.locator('#test-pay').waitFor({ timeout: 10_000 });
  return orderId;
}

test('buy two items with the test-payment panel and watch the order reach DELIVERED without a reload', async () => {
  const tee = await createTestSku(sys.ctx, 5, 3500);
  const cap = await createTestSku(sys.ctx, 5, 2200);
  const w = await newPage();
  const { page } = w;

  const orderId = await buy(w, [tee, cap], true);
  expect(page.url()).not.toContain('token='); // the key to the order does not stay in the address bar
  expect(await availableOf(sys.ctx, tee)).toBe(4);
  await w.snap('order-awaiting-payment');

  // Every status the page shows, and proof that the document is never replaced (no reload, no navigation).
  // Browser-side code as a string: this file is compiled without the DOM library.
  await page.evaluate(`(() => {
    window.__sameDocument = true;
    window.__seen = [];
    const pill = document.getElementById('order-status');
    const note = (s) => {
      if (s && s !== 'AWAITING_PAYMENT' && window.__seen[window.__seen.length - 1] !== s) window.__seen.push(s);
    };
    // Several events can land in one task: each record's old value keeps the statuses in between.
    new MutationObserver((records) => {
      for (const r of records) note(r.oldValue);
      note(pill.dataset.status);
    }).observe(pill, { attributes: true, attributeOldValue: true, attributeFilter: ['data-status'] });
  })()`);
  await page.getByRole('button', { name: /^Pay £\d+\.\d\d$/ }).click();
  await page.locator('#confirmation').waitFor({ timeout: 30_000 });
  await page.locator('#order-status[data-status="DELIVERED"]').waitFor({ timeout: 90_000 });
  await page.locator('.parcel .parcel-status', { hasText: 'Delivered' }).waitFor({ timeout: 30_000 });

  const seen = await page.evaluate('window.__seen');
  expect(seen).toEqual(['PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED']);
  expect(await page.evaluate('window.__sameDocument')).toBe(true);
  const parcel = await page.locator('.parcel').innerText();
  expect(parcel).toMatch(/Carrier: \S+/);
  expect(parcel).toMatch(/Tracking number: DYS/);
  expect(await page.locator('.progress li.done').count()).toBe(6);
  await w.snap('order-delivered');

  const row = await sys.ctx.db('orders').where({ order_number: orderId }).first('status', 'total_pence', 'shipping_pence');
  expect(row.status).toBe('DELIVERED');
  expect(row.total_pence).toBe(3500 + 2200 + row.shipping_pence);
  expect(unexpectedErrors(w.errors)).toEqual([]);
});

test('a declined payment shows the message and puts the stock back', async () => {
  const hoodie = await createTestSku(sys.ctx, 3, 7500);
  const w = await newPage();
  const { page } = w;

  const orderId = await buy(w, [hoodie, hoodie], false);
  expect(await availableOf(sys.ctx, hoodie)).toBe(1);
  await page.getByRole('button', { name: 'Decline payment' }).click();
  const declined = page.locator('#payment-declined');
  await declined.waitFor({ timeout: 30_000 });
  expect(await declined.innerText()).toMatch(/Payment declined: Your card was declined\. Nothing was charged and the items are back in stock\./);
  await page.locator('#order-status[data-status="CANCELLED"]').waitFor({ timeout: 5000 });
  expect(await page.locator('#test-pay').count()).toBe(0);
  await w.snap('order-payment-declined');

  // The catalogue shows the units back: both in the database and on the page a shopper sees.
  expect(await availableOf(sys.ctx, hoodie)).toBe(3);
  await page.goto('/');
  await page.locator(`#stock-${productOf(hoodie)}[data-available="3"]`).waitFor({ timeout: 10_000 });
  const cancelled = await sys.ctx.db('orders').where({ order_number: orderId }).first('status', 'cancel_reason');
  expect(cancelled).toEqual({ status: 'CANCELLED', cancel_reason: 'PAYMENT_FAILED' });

  // "Try again" carries the same items back to checkout.
  await page.goBack();
  await page.getByRole('link', { name: 'Try again with the same items' }).click();
  await page.waitForURL(/\/checkout\?retry=/);
  await page.locator('#checkout-summary .total').waitFor({ timeout: 10_000 });
  expect(await page.locator('#checkout-summary').innerText()).toMatch(/2 × Test Tee/);
  expect(unexpectedErrors(w.errors)).toEqual([]);
});
