/**
 * The warehouse page and the catalogue page in a real browser. Warehouse: with WAREHOUSE_MODE=manual a paid
 * order appears on the open page without a reload, is marked picked, packed as two parcels (moving a line
 * into a second parcel), and moves to the packed list as SHIPPED with a label per parcel; the timeline names
 * the packer. Catalogue: an admin adjusts stock with a reason and sees the ledger row, is refused below zero,
 * changes a price; a support user is refused.
 */
import type { Browser } from 'playwright-core';
import { createStaff } from '../../api/staff/staffStore';
import { availableOf, checkoutBody, createTestSku, pay, type System, startSystem, waitForStatus } from '../helpers/system';
import { launchBrowser, openPage, unexpectedErrors, type WatchedPage } from './browser';

let sys: System;
let browser: Browser;
const pages: WatchedPage[] = [];
const stamp = Date.now();
const PASSWORD = 'correct horse battery staple';
const packer = { email: `wes.packer.${stamp}@dyofficial.co.uk`, name: 'Wes Packer', role: 'warehouse' as const, password: PASSWORD };
const admin = { email: `cat.admin.${stamp}@dyofficial.co.uk`, name: 'Cat Admin', role: 'admin' as const, password: PASSWORD };
const support = { email: `sue.support.${stamp}@dyofficial.co.uk`, name: 'Sue Support', role: 'support' as const, password: PASSWORD };

beforeAll(async () => {
  sys = await startSystem({ name: 'web-warehouse', env: { WAREHOUSE_MODE: 'manual' } });
  browser = await launchBrowser();
  for (const who of [packer, admin, support]) await createStaff(sys.ctx.db, who);
});
afterAll(async () => {
  for (const w of pages) await w.context.close().catch(() => undefined);
  await browser?.close();
  await sys?.stop();
});

async function signedIn(who: { email: string; password: string }, next: string): Promise<WatchedPage> {
  const w = await openPage(browser, sys.url);
  pages.push(w);
  await w.page.goto(`/admin/login?next=${encodeURIComponent(next)}`);
  await w.page.getByLabel('E-mail').fill(who.email);
  await w.page.getByLabel('Password').fill(who.password);
  await w.page.getByRole('button', { name: 'Sign in' }).click();
  await w.page.waitForURL(`**${next}`);
  return w;
}

/** The staff header is sticky: from the top, a full-page screenshot shows it where it belongs. */
async function snap(w: WatchedPage, name: string) {
  // A missing value must never reach the page as text.
  expect(await w.page.locator('main').innerText()).not.toMatch(/\b(null|undefined|NaN)\b/);
  await w.page.evaluate('window.scrollTo(0, 0)');
  await w.snap(name);
}

const events = (orderId: string) => sys.ctx.db('order_events').where({ order_number: orderId }).orderBy('seq');

test('warehouse staff pick and pack a paid order as two parcels; it ships with a label per parcel, no reload needed', async () => {
  const w = await signedIn(packer, '/admin/warehouse');
  const { page } = w;
  await page.locator('#warehouse-live[data-state="open"]').waitFor({ timeout: 15_000 });
  // Warehouse staff see their own links, not the admin's catalogue.
  await expect(page.getByRole('link', { name: 'Warehouse' }).isVisible()).resolves.toBe(true);
  await expect(page.getByRole('link', { name: 'Catalogue' }).isHidden()).resolves.toBe(true);
  // A marker a reload would wipe: everything below must happen on this one page load.
  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

  // Bought and paid after the page opened: the stream brings it onto the board.
  const [tee, hoodie] = [await createTestSku(sys.ctx, 5, 3500), await createTestSku(sys.ctx, 5, 6500)];
  const res = await sys.http.post('/api/checkout', checkoutBody([{ sku: tee, quantity: 2 }, { sku: hoodie, quantity: 1 }]));
  expect(res.status).toBe(201);
  const order = res.body;
  await pay(sys, order);
  await waitForStatus(sys, order, 'PICKING');

  const card = page.locator(`#to-pick article[data-order-id="${order.orderId}"]`);
  await card.getByRole('button', { name: 'Mark picked' }).waitFor({ timeout: 20_000 });
  await expect(card.locator('tbody tr').count()).resolves.toBe(2);
  await snap(w, 'admin-warehouse');
  // The batch picking list the page links to holds the order.
  const csv = await page.request.get((await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')) as string);
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain(order.orderId);
  expect((await page.request.get((await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href')) as string)).headers()['content-type']).toMatch(/application\/pdf/);

  await card.getByRole('button', { name: 'Mark picked' }).click();
  await card.locator('.pack-form').waitFor({ timeout: 20_000 });
  await card.getByText(`Picked by Wes Packer <${packer.email}>`).waitFor();

  // The suggested split is prefilled; the packer puts the hoodie (line 2) in a parcel of its own.
  const parcelsBefore = await card.locator('input[name$="-weight"]').count();
  if (parcelsBefore === 1) await card.getByRole('button', { name: 'Add a parcel' }).click();
  await card.getByLabel('Line 1 units in parcel 1').fill('2');
  await card.getByLabel('Line 2 units in parcel 1').fill('0');
  await card.getByLabel('Line 1 units in parcel 2').fill('0');
  await card.getByLabel('Line 2 units in parcel 2').fill('1');
  await card.getByLabel('Parcel 1 weight in grams').fill('850');
  await card.getByLabel('Parcel 2 weight in grams').fill('1100');
  // A mistake the page catches before sending: a unit packed twice.
  await card.getByLabel('Line 2 units in parcel 1').fill('1');
  await card.getByRole('button', { name: 'Mark packed' }).click();
  await card.locator('.card-problem', { hasText: 'Line 2' }).waitFor();
  expect((await events(order.orderId)).some((e) => e.to_status === 'PACKED')).toBe(false);
  await card.getByLabel('Line 2 units in parcel 1').fill('0');
  await expect(card.locator('.card-problem').textContent()).resolves.toBe('');
  await snap(w, 'admin-warehouse-packing');
  await card.getByRole('button', { name: 'Mark packed' }).click();

  // It leaves the list to pick and shows as shipped, with a label link per parcel.
  await card.waitFor({ state: 'detached', timeout: 30_000 });
  const shipped = page.locator(`#packed article[data-order-id="${order.orderId}"]`);
  await shipped.locator('[data-status="SHIPPED"]').waitFor({ timeout: 60_000 });
  await shipped.getByRole('link', { name: 'Print label, parcel 2' }).waitFor({ timeout: 20_000 });
  await expect(shipped.getByRole('link', { name: /^Print label/ }).count()).resolves.toBe(2);
  await snap(w, 'admin-warehouse-shipped');
  expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

  const href = (await shipped.getByRole('link', { name: 'Print label, parcel 1' }).getAttribute('href')) as string;
  expect(href).toBe(`/api/admin/orders/${order.orderId}/shipments/1/label.pdf`);
  const label = await page.request.get(href);
  expect(label.status()).toBe(200);
  expect(label.headers()['content-type']).toMatch(/application\/pdf/);
  expect((await label.body()).subarray(0, 5).toString()).toBe('%PDF-');

  // Recorded under the packer's name, with the parcels as packed.
  const actor = `warehouse:Wes Packer <${packer.email}>`;
  const log = await events(order.orderId);
  expect(log.find((e) => e.type === 'picked')).toMatchObject({ actor });
  const packedEvent = log.find((e) => e.to_status === 'PACKED');
  expect(packedEvent).toMatchObject({ actor });
  expect(packedEvent.data.parcels).toEqual([
    { weightGrams: 850, lines: [{ lineNo: 1, quantity: 2 }] },
    { weightGrams: 1100, lines: [{ lineNo: 2, quantity: 1 }] },
  ]);
  const shipments = await sys.ctx.db('shipments').where({ order_number: order.orderId, kind: 'outbound' }).orderBy('shipment_no').select('weight_grams', 'lines');
  expect(shipments.map((s) => s.weight_grams)).toEqual([850, 1100]);

  // The order's timeline (as staff see it) names the packer for both steps.
  const detail = await page.request.get(`/api/admin/orders/${order.orderId}`);
  const timeline: Array<{ type: string; toStatus?: string; actor: string }> = (await detail.json()).timeline;
  expect(timeline.filter((e) => e.type === 'picked' || e.toStatus === 'PACKED').map((e) => e.actor)).toEqual([actor, actor]);
  await shipped.getByRole('link', { name: order.orderId }).click();
  await page.waitForURL(`**/admin/orders/${order.orderId}`);
  await page.getByText(actor).first().waitFor({ timeout: 15_000 });
  expect(unexpectedErrors(w.errors)).toEqual([]);
});

test('an admin adjusts stock with a reason and sees the ledger row, is refused below zero, and changes a price', async () => {
  const sku = await createTestSku(sys.ctx, 6, 3500);
  const w = await signedIn(admin, '/admin/catalogue');
  const { page } = w;
  await page.locator('#catalogue-table').waitFor({ timeout: 15_000 });
  // An admin sees every link, the catalogue's marked as the current page.
  await expect(page.locator('a[aria-current="page"]').textContent()).resolves.toBe('Catalogue');
  await expect(page.getByRole('link', { name: 'Warehouse' }).isVisible()).resolves.toBe(true);
  await page.getByLabel('Find a product or SKU').fill(sku);
  await expect(page.locator('#catalogue-table tbody tr').count()).resolves.toBe(1);
  await page.getByRole('button', { name: `Manage ${sku}` }).click();
  await page.locator('#adjust-form').waitFor();
  await expect(page.locator('#sku-available').textContent()).resolves.toBe('6 available');

  // Bad input is named next to its field and nothing is sent.
  await page.getByLabel('Change in units').fill('0');
  await page.getByRole('button', { name: 'Apply adjustment' }).click();
  await page.locator('#adjust-form .error[data-for="delta"]').waitFor();
  await page.locator('#adjust-form .error[data-for="reason"]').waitFor();
  expect(await availableOf(sys.ctx, sku)).toBe(6);

  await page.getByLabel('Change in units').fill('-2');
  await page.getByLabel('Reason').fill('Damaged in the stockroom');
  await page.getByRole('button', { name: 'Apply adjustment' }).click();
  await page.locator('#sku-flash', { hasText: `Stock of ${sku} is now 4` }).waitFor({ timeout: 10_000 });
  const row = page.locator('#sku-ledger tbody tr').first();
  await expect(row.textContent()).resolves.toContain('Damaged in the stockroom');
  await expect(row.locator('.actor').textContent()).resolves.toBe(`admin:Cat Admin <${admin.email}>`);
  await expect(row.locator('td.num').textContent()).resolves.toBe('-2');
  await expect(page.locator(`#catalogue-table tr[data-sku="${sku}"] td.num`).nth(1).textContent()).resolves.toBe('4');
  expect(await availableOf(sys.ctx, sku)).toBe(4);
  expect(await sys.ctx.db('stock_ledger').where({ sku }).select('kind', 'quantity', 'note', 'actor')).toEqual([{ kind: 'adjust', quantity: -2, note: 'Damaged in the stockroom', actor: `admin:Cat Admin <${admin.email}>` }]);
  await snap(w, 'admin-catalogue');

  await page.getByLabel('Change in units').fill('-5');
  await page.getByLabel('Reason').fill('Stocktake');
  await page.getByRole('button', { name: 'Apply adjustment' }).click();
  await page.locator('#adjust-form [role="alert"]', { hasText: `${sku} has 4 available` }).waitFor({ timeout: 10_000 });
  expect(await availableOf(sys.ctx, sku)).toBe(4);

  await page.getByLabel('Price in £, VAT included').fill('39.99');
  await page.getByRole('button', { name: 'Save price' }).click();
  await page.locator('#sku-flash', { hasText: '£39.99' }).waitFor({ timeout: 10_000 });
  await page.locator('#price-changes .actor', { hasText: `admin:Cat Admin <${admin.email}>` }).waitFor();
  expect(await sys.ctx.db('skus').where({ sku }).first('price_pence')).toEqual({ price_pence: 3999 });
  await snap(w, 'admin-catalogue-price');
  // The browser logs the one refusal provoked above (the page showed it); nothing else.
  expect(unexpectedErrors(w.errors).filter((e) => !(e.url.endsWith(`/api/admin/skus/${sku}/stock-adjustments`) && /status of 409/.test(e.text)))).toEqual([]);
});

test('a support user does not see the catalogue or warehouse links and is refused by their APIs', async () => {
  const sku = await createTestSku(sys.ctx, 3);
  const w = await signedIn(support, '/admin/catalogue');
  const { page } = w;
  await page.locator('#catalogue-notice .notice', { hasText: 'admin role' }).waitFor({ timeout: 15_000 });
  await expect(page.getByRole('link', { name: 'Catalogue' }).isHidden()).resolves.toBe(true);
  await expect(page.getByRole('link', { name: 'Warehouse' }).isHidden()).resolves.toBe(true);
  await snap(w, 'admin-catalogue-refused');

  // With the session's own CSRF token, so the refusal is the role's.
  const csrf = await page.evaluate(async () => ((await (await fetch('/api/staff/session')).json()) as { csrfToken: string }).csrfToken);
  const write = await page.request.post(`/api/admin/skus/${sku}/stock-adjustments`, { data: { delta: 5, reason: 'not mine to do' }, headers: { 'X-CSRF-Token': csrf } });
  expect(write.status()).toBe(403);
  expect((await write.json()).error.code).toBe('ROLE_FORBIDDEN');
  expect((await page.request.get('/api/admin/warehouse/orders')).status()).toBe(403);
  expect(await availableOf(sys.ctx, sku)).toBe(3);
  // The browser logs the refused load the page reports; nothing else.
  expect(unexpectedErrors(w.errors).filter((e) => !(/\/api\/admin\/catalogue$/.test(e.url) && /status of 403/.test(e.text)))).toEqual([]);
});
