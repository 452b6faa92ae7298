/**
 * The shipping dashboard in a real browser: an admin signs in, searches parcels, moves between the tabs with
 * the keyboard, sees the three charts drawn by Chart.js (from our own origin, under the self-only CSP) beside
 * tables of the same figures, and the issues list; no console errors; desktop and phone screenshots of each tab.
 */
import type { Browser, Page } from 'playwright-core';
import { createStaff } from '../../api/staff/staffStore';
import { type FixtureOrder, insertOrder, insertShipment } from '../helpers/shippingFixtures';
import { type System, startSystem } from '../helpers/system';
import { DESKTOP, launchBrowser, openPage, PHONE, unexpectedErrors, type WatchedPage } from './browser';

let sys: System;
let browser: Browser;
let w: WatchedPage;
const PASSWORD = 'correct horse battery staple';
const email = `dana.ship.${Date.now()}@dyofficial.co.uk`;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const londonDay = (offsetDays: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date(Date.now() + offsetDays * 86_400_000));
const o: Record<string, FixtureOrder> = {};

beforeAll(async () => {
  sys = await startSystem({ name: 'web-shipping', worker: false });
  const db = sys.ctx.db;
  await createStaff(db, { email, name: 'Dana Dispatch', role: 'admin', password: PASSWORD });

  // March 2022, for exact figures: DPD 1 of 2 on time (24 h and 72 h), DHL 1 of 1 (72 h).
  o.a = await insertOrder(db, { zone: 'UK', promised: '2022-03-05', costPence: 700 });
  await insertShipment(db, o.a, { n: 1, carrier: 'dpd', status: 'DELIVERED', booked: '2022-03-02T09:00:00Z', delivered: '2022-03-03T09:00:00Z' });
  o.b = await insertOrder(db, { zone: 'UK', promised: '2022-03-08', costPence: 900 });
  await insertShipment(db, o.b, { n: 1, carrier: 'dpd', status: 'DELIVERED', booked: '2022-03-06T10:00:00Z', delivered: '2022-03-09T10:00:00Z' });
  o.c = await insertOrder(db, { zone: 'EU', promised: '2022-03-12', costPence: 1999, carrier: 'dhl' });
  await insertShipment(db, o.c, { n: 1, carrier: 'dhl', status: 'DELIVERED', booked: '2022-03-07T12:00:00Z', delivered: '2022-03-10T12:00:00Z' });

  // This month, so the default view (the last 30 days) has bars to draw.
  o.recent1 = await insertOrder(db, { zone: 'UK', promised: londonDay(1), costPence: 650 });
  await insertShipment(db, o.recent1, { n: 1, carrier: 'royal-mail', status: 'DELIVERED', booked: hoursAgo(50), delivered: hoursAgo(20) });
  o.recent2 = await insertOrder(db, { zone: 'ROW', promised: londonDay(-3), costPence: 2450, carrier: 'fedex' });
  await insertShipment(db, o.recent2, { n: 1, carrier: 'fedex', status: 'DELIVERED', booked: hoursAgo(170), delivered: hoursAgo(30) });
  await insertShipment(db, o.recent2, { n: 1, kind: 'return', carrier: 'fedex', status: 'IN_TRANSIT', booked: hoursAgo(10) });

  // Issues: a failed delivery parking its order, and a parcel quiet for four days (half of the default 5d is 60 h).
  o.failed = await insertOrder(db, { zone: 'UK', status: 'NEEDS_ATTENTION', attentionReason: 'DELIVERY_EXCEPTION', promised: londonDay(-1), costPence: 500 });
  await insertShipment(db, o.failed, { n: 1, carrier: 'ups', status: 'FAILURE', booked: hoursAgo(72), lastEvent: hoursAgo(6), exception: 'DELIVERY_EXCEPTION', detail: 'Address not found' });
  o.quiet = await insertOrder(db, { zone: 'EU', promised: londonDay(2), costPence: 1200, carrier: 'dhl' });
  await insertShipment(db, o.quiet, { n: 1, carrier: 'dhl', status: 'IN_TRANSIT', booked: hoursAgo(120), lastEvent: hoursAgo(96) });

  browser = await launchBrowser();
  w = await openPage(browser, sys.url);
});

afterAll(async () => {
  await w?.context.close().catch(() => undefined);
  await browser?.close();
  await sys?.stop();
});

/**
 * Each chart has a Chart.js instance on its canvas and has painted it (not a blank canvas). A function, not a
 * string: Playwright polls a string predicate with eval, which our CSP (rightly) refuses.
 */
function chartsDrawn(): boolean {
  const g = globalThis as any;
  const Chart = g.Chart;
  if (!Chart) return false;
  return ['chart-ontime', 'chart-times', 'chart-cost'].every((id) => {
    const canvas = g.document.getElementById(id);
    const chart = Chart.getChart(canvas);
    if (!chart || canvas.width === 0 || canvas.height === 0 || chart.isAnimating?.()) return false;
    const pixels: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    return painted > 2000;
  });
}
const oneRow = (selector: string) => (globalThis as any).document.querySelectorAll(selector).length === 1;
const textStarts = ([id, prefix]: [string, string]) => ((globalThis as any).document.getElementById(id).textContent as string).startsWith(prefix);

const chartData = (page: Page, id: string) => page.evaluate(`(() => { const c = globalThis.Chart.getChart(document.getElementById('${id}')); return { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })) }; })()`);
/** At phone width nothing widens the page (wide tables scroll inside their own box). */
async function fitsPhone(page: Page): Promise<void> {
  await page.setViewportSize(PHONE);
  await page.waitForFunction(() => (globalThis as any).document.documentElement.scrollWidth <= (globalThis as any).innerWidth, undefined, { timeout: 5_000 });
  await page.setViewportSize(DESKTOP);
}
const rowsOf = (page: Page, selector: string) => page.locator(`${selector} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => (td.textContent ?? '').trim())));

test('an admin opens the shipping dashboard: shipments, analytics drawn by Chart.js, issues; keyboard tabs; no console errors', async () => {
  const { page } = w;
  await page.goto('/admin/shipping');
  await page.waitForURL(/\/admin\/login\?next=%2Fadmin%2Fshipping$/);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/admin/shipping');
  await page.getByRole('link', { name: 'Shipping' }).and(page.locator('[aria-current="page"]')).waitFor();

  // Shipments: the newest parcels, then a search by part of an order number.
  // Other orders of the run may be newer than these fixtures: the first page only has to show parcels.
  await page.locator('#shipments tbody tr').first().waitFor({ timeout: 15_000 });
  expect(await page.locator('#shipments tbody tr[data-order-id]').count()).toBeGreaterThan(0);
  // The Issues count is on its tab before it is opened: the failed parcel, its order, the quiet parcel.
  await page.locator('#issues-count:not([hidden])').waitFor({ timeout: 10_000 });
  expect(Number(await page.locator('#issues-count').textContent())).toBeGreaterThanOrEqual(3);
  await w.snap('admin-shipping-shipments');
  await fitsPhone(page);

  await page.getByLabel('Order number').fill(o.b.orderNumber.slice(-5).toLowerCase());
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator(`#shipments tr[data-order-id="${o.b.orderNumber}"]`).waitFor({ timeout: 10_000 });
  await page.waitForFunction(oneRow, '#shipments tbody tr', { timeout: 10_000 });
  const row = page.locator(`#shipments tr[data-order-id="${o.b.orderNumber}"]`);
  expect(await row.getByRole('link', { name: o.b.orderNumber, exact: true }).getAttribute('href')).toBe(`/admin/orders/${o.b.orderNumber}`);
  expect(await row.getByRole('link', { name: /Label PDF/ }).getAttribute('href')).toBe(`/api/admin/orders/${o.b.orderNumber}/shipments/1/label.pdf`);
  expect(await page.locator('#shipments-page').textContent()).toBe('1–1 of 1');

  // A bad filter is shown next to its field.
  await page.getByLabel('Order number').fill('DY_%');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#f-order[aria-invalid="true"]').waitFor({ timeout: 10_000 });
  expect(await page.locator('#f-order-error').textContent()).toMatch(/letters, digits and -/);
  await page.getByRole('button', { name: 'Clear' }).click();

  // Tabs by keyboard: arrows move and select, focus follows; the choice is kept in the address.
  await page.getByRole('tab', { name: 'Shipments' }).focus();
  await page.keyboard.press('ArrowRight');
  expect(await page.evaluate('document.activeElement.id')).toBe('tab-analytics');
  expect(await page.getByRole('tab', { name: 'Analytics' }).getAttribute('aria-selected')).toBe('true');
  expect(await page.locator('#panel-shipments').isHidden()).toBe(true);
  expect(new URL(page.url()).searchParams.get('tab')).toBe('analytics');

  // Analytics, the last 30 days by default: three charts painted, each with its table.
  await page.waitForFunction(chartsDrawn, undefined, { timeout: 20_000 });
  expect(await page.getByLabel('Booked to (included)').inputValue()).toBe(londonDay(0));
  expect(await page.locator('#table-ontime tr[data-carrier="royal-mail"]').count()).toBe(1);
  expect(await page.locator('#table-cost tr[data-carrier="fedex"][data-zone="ROW"]').count()).toBe(1);
  await w.snap('admin-shipping-analytics');
  await fitsPhone(page);

  // A chosen range: exact figures in the tables and in the charts' data.
  await page.getByLabel('Booked from').fill('2022-03-01');
  await page.getByLabel('Booked to (included)').fill('2022-03-31');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForFunction(textStarts, ['analytics-basis', 'From 2022-03-01 to 2022-03-31'] as [string, string], { timeout: 10_000 });
  await page.waitForFunction(chartsDrawn, undefined, { timeout: 20_000 });
  expect(await rowsOf(page, '#table-ontime')).toEqual([
    ['DHL', '1', '1', '1 of 1', '100.0%'],
    ['DPD', '2', '2', '1 of 2', '50.0%'],
  ]);
  expect(await rowsOf(page, '#table-times')).toEqual([
    ['DHL', '1', '72 h', '72 h'],
    ['DPD', '2', '48 h', '67.2 h'],
  ]);
  expect(await rowsOf(page, '#table-cost')).toEqual([
    ['DHL', 'EU', '1', '£19.99', '£19.99'],
    ['DPD', 'UK', '2', '£16.00', '£8.00'],
  ]);
  expect(await chartData(page, 'chart-ontime')).toEqual({ labels: ['DHL', 'DPD'], datasets: [{ label: 'On time', data: [1000, 500] }] });
  expect(await chartData(page, 'chart-times')).toEqual({ labels: ['DHL', 'DPD'], datasets: [{ label: 'Median', data: [72, 48] }, { label: '90th percentile', data: [72, 67.2] }] });
  expect(await chartData(page, 'chart-cost')).toEqual({ labels: ['DHL', 'DPD'], datasets: [{ label: 'EU', data: [1999, null] }, { label: 'UK', data: [null, 800] }] });
  await w.snap('admin-shipping-analytics-range');
  await fitsPhone(page);

  // A range the API refuses is shown at the field it names.
  await page.getByLabel('Booked from').fill('2022-04-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#a-to[aria-invalid="true"]').waitFor({ timeout: 10_000 });
  expect(await page.locator('#a-to-error').textContent()).toBe('must not be before from');

  await page.getByRole('tab', { name: 'Analytics' }).focus();
  await page.keyboard.press('End');
  expect(await page.evaluate('document.activeElement.id')).toBe('tab-issues');

  // Issues: the failed parcel with its order, the order waiting on a decision, the quiet parcel.
  await page.locator(`#issues-exceptions tr[data-order-id="${o.failed.orderNumber}"]`).waitFor({ timeout: 10_000 });
  const failedRow = page.locator(`#issues-exceptions tr[data-order-id="${o.failed.orderNumber}"]`);
  expect(await failedRow.textContent()).toMatch(/Delivery exception.*Address not found/);
  expect(await failedRow.getByRole('link', { name: o.failed.orderNumber, exact: true }).getAttribute('href')).toBe(`/admin/orders/${o.failed.orderNumber}`);
  expect(await page.locator(`#issues-attention tr[data-order-id="${o.failed.orderNumber}"]`).textContent()).toMatch(/Delivery exception/);
  const quietRow = page.locator(`#issues-stale tr[data-order-id="${o.quiet.orderNumber}"]`);
  expect(await quietRow.textContent()).toMatch(/96 h/);
  expect(await page.locator('#stale-threshold').textContent()).toBe('No tracking news for more than 60 hours, not delivered.');
  expect(await page.locator(`#issues-stale tr[data-order-id="${o.recent2.orderNumber}"]`).count()).toBe(0);
  await w.snap('admin-shipping-issues');
  await fitsPhone(page);

  await page.keyboard.press('Home');
  expect(await page.evaluate('document.activeElement.id')).toBe('tab-shipments');
  expect(await page.locator('#panel-shipments').isVisible()).toBe(true);

  // Chromium logs every 4xx response: the two bad filters sent on purpose above are the only ones allowed.
  const provoked = [/\/api\/admin\/shipping\/shipments\?limit=25&offset=0&orderId=DY_%25$/, /\/api\/admin\/shipping\/analytics\?from=2022-04-01&to=2022-03-31$/];
  const left = unexpectedErrors(w.errors).filter((e) => !(/status of 400/.test(e.text) && provoked.some((re) => re.test(e.url))));
  expect(left).toEqual([]);
  expect(w.errors.length - left.length).toBe(2);
});
