/**
 * Staff decisions and monitors in a real browser: an admin opens an order whose parcel failed at the carrier
 * (NEEDS_ATTENTION), marks it resolved and sees the order carry on with her name in the timeline; the
 * notifications monitor shows a failed SMS and resends it; the system page shows health, orders per status and
 * failures. Each page at desktop and phone width, with no browser console errors.
 */
import type { Browser } from 'playwright-core';
import { createStaff } from '../../api/staff/staffStore';
import { waitFor } from '../../lib/processes';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilioServer';
import { placePaidOrder } from '../helpers/orders';
import { address, checkoutBody, createTestSku, paymentIntent, sendStripeEvent, type System, startSystem, waitForStatus } from '../helpers/system';
import { launchBrowser, openPage, unexpectedErrors, type WatchedPage } from './browser';

let sys: System;
let twilio: FakeTwilio;
let browser: Browser;
let w: WatchedPage;
const PASSWORD = 'correct horse battery staple';
const email = `jane.actions.${Date.now()}@dyofficial.co.uk`;
const actor = `admin:Jane Smith <${email}>`;

beforeAll(async () => {
  twilio = await startFakeTwilio();
  sys = await startSystem({
    name: 'web-admin-actions',
    // Two sends before a message is failed, a second apart: the failed SMS exists within seconds.
    env: { TWILIO_API_URL: twilio.url, TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: twilio.from, NOTIFICATION_MAX_ATTEMPTS: '2', ACTIVITY_RETRY_MAX_INTERVAL: '1s' },
  });
  browser = await launchBrowser();
  w = await openPage(browser, sys.url);
  await createStaff(sys.ctx.db, { email, name: 'Jane Smith', role: 'admin', password: PASSWORD });
});
afterAll(async () => {
  await w?.context.close().catch(() => undefined);
  await browser?.close();
  await sys?.stop();
  await twilio?.close();
});

/** Paid, packed by the automatic warehouse, booked, then FAILURE at the sandbox carrier: NEEDS_ATTENTION. */
async function orderInTrouble() {
  return placePaidOrder(sys, { stock: 3, pricePence: 2900, checkout: { shippingAddress: address('12 SANDBOX-EXCEPTION Row') }, until: false });
}

/** A declined payment whose SMS the (fake) Twilio refuses until it is marked failed. */
async function orderWithFailedSms() {
  twilio.failNext(1000, 500);
  const sku = await createTestSku(sys.ctx, 3, 1500);
  const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { phone: '+447700900123' }))).body;
  await sendStripeEvent(sys, 'payment_intent.payment_failed', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence, 'requires_payment_method'));
  const row = await waitFor(
    'the SMS to be marked failed',
    async () => sys.ctx.db('notifications').where({ order_number: order.orderId, channel: 'sms', status: 'failed' }).first(),
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return { orderId: order.orderId as string, notificationId: Number(row.id) };
}

test('an admin marks a failed delivery resolved: the order leaves NEEDS_ATTENTION and the timeline names her', async () => {
  const { page } = w;
  const order = await orderInTrouble();
  await waitForStatus(sys, order, 'NEEDS_ATTENTION', 120_000);

  await page.goto(`/admin/login?next=${encodeURIComponent(`/admin/orders/${order.orderId}`)}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**/admin/orders/${order.orderId}`);

  const attention = page.locator('#attention');
  await attention.waitFor({ timeout: 15_000 });
  await attention.getByRole('heading', { name: /Parcel 1: delivery exception/ }).waitFor();
  // Everything the page promises is on it: the parcel's carrier history, the payment, messages, the execution link.
  await page.locator('#parcels .parcel details summary', { hasText: /Tracking history \(\d+ events?\)/ }).first().waitFor();
  await page.locator('#parcels details').first().locator('summary').click();
  await page.locator('#parcels details ol.timeline li', { hasText: 'Failure' }).first().waitFor();
  await page.locator('#payments table tbody tr', { hasText: 'succeeded' }).waitFor();
  await page.locator('#notifications table tbody tr').first().waitFor({ timeout: 15_000 });
  expect(await page.locator('#temporal-link').getAttribute('href')).toBe(`http://127.0.0.1:${sys.ctx.config.TEMPORAL_UI_PORT}/namespaces/${sys.ctx.config.TEMPORAL_NAMESPACE}/workflows/order-${order.orderId}`);
  await page.locator('#order-live[data-state="open"]').waitFor({ timeout: 10_000 });
  await snapFromTop('admin-order-attention');

  await attention.getByLabel('Note on this decision (optional)').fill('found at the depot, delivering tomorrow');
  await attention.getByRole('button', { name: 'Mark resolved' }).click();
  await page.locator('#admin-order-status', { hasText: 'On its way' }).waitFor({ timeout: 30_000 });
  expect(await page.locator('#attention').count()).toBe(0);
  const resumed = page.locator('#admin-timeline li[data-type="shipment_resumed"]');
  await resumed.waitFor({ timeout: 10_000 });
  await expectText(resumed.locator('.actor'), actor);
  await expectText(resumed, /found at the depot/);
  await snapFromTop('admin-order-resolved');

  const events = await sys.ctx.db('order_events').where({ order_number: order.orderId }).orderBy('seq');
  expect(events.find((e) => e.type === 'shipment_resumed')).toMatchObject({ actor, data: { shipmentNo: 1, action: 'resolve', note: 'found at the depot, delivering tomorrow' } });
  expect(events.find((e) => e.from_status === 'NEEDS_ATTENTION')).toMatchObject({ to_status: 'SHIPPED', actor, reason: 'ATTENTION_RETRY' });
  expect(unexpectedErrors(w.errors)).toEqual([]);
});

test('the system page shows health, orders per status and recent failures; the monitor marks a failed SMS and resends it', async () => {
  const { page } = w;
  const failed = await orderWithFailedSms();
  // A Stripe event our processing gave up on, as the webhook route records one (no test path fails one on purpose).
  const eventId = `evt_admin_actions_${Date.now()}`;
  await sys.ctx.db('webhook_events').insert({ event_id: eventId, type: 'payment_intent.succeeded', order_number: failed.orderId, payload: JSON.stringify({ id: eventId }), status: 'failed', attempts: 3, last_error: 'Temporal unreachable: deadline exceeded' });

  await page.getByRole('link', { name: 'System', exact: true }).click();
  await page.waitForURL('**/admin/system');
  await page.locator('#system-live[data-state="open"]').waitFor({ timeout: 15_000 });
  for (const dependency of ['database', 'redis', 'temporal', 'workers']) {
    await page.locator(`#health [data-dependency="${dependency}"]`, { hasText: 'up' }).waitFor();
  }
  await expectText(page.locator('#health [data-dependency="workers"]'), /poller/);
  await expectText(page.locator('#health-overall'), 'ok');
  await page.locator('#order-counts tr[data-status="CANCELLED"]').waitFor();
  const total = Number(await page.locator('#order-counts tr.total-row td').textContent());
  expect(total).toBeGreaterThanOrEqual(2);
  await page.locator('#failed-notifications tr.failed', { hasText: failed.orderId }).waitFor();
  await page.locator('#failed-webhooks tr.failed', { hasText: eventId }).waitFor();
  await page.locator('#alerts[aria-busy="false"]').waitFor();
  await snapFromTop('admin-system');

  await page.getByRole('link', { name: 'Notifications', exact: true }).click();
  await page.waitForURL('**/admin/notifications');
  await page.locator('#feed-live[data-state="open"]').waitFor({ timeout: 15_000 });
  await page.getByLabel('Order number').fill(failed.orderId);
  await page.getByRole('button', { name: 'Apply' }).click();
  const row = page.locator(`#feed-table tr[data-notification-id="${failed.notificationId}"]`);
  await page.locator(`#feed-table tr.failed[data-notification-id="${failed.notificationId}"]`).waitFor({ timeout: 15_000 });
  await expectText(page.locator('#feed-summary'), /1 failed/);
  await snapFromTop('admin-notifications');

  twilio.failNext(0);
  await row.getByRole('button', { name: /^Resend message/ }).click();
  await page.locator(`#feed-table tr[data-notification-id="${failed.notificationId}"][data-status="sent"]`).waitFor({ timeout: 30_000 });
  expect(await sys.ctx.db('notifications').where({ id: failed.notificationId }).first('status')).toEqual({ status: 'sent' });
  expect(twilio.messages.filter((m) => m.body.includes(failed.orderId))).toHaveLength(1);
  await snapFromTop('admin-notifications-resent');
  expect(unexpectedErrors(w.errors)).toEqual([]);
});

/** Full-page screenshots from the top: the sticky staff header would otherwise be drawn where the page was scrolled. */
async function snapFromTop(name: string): Promise<void> {
  await w.page.evaluate('window.scrollTo(0, 0)');
  await w.snap(name);
}

async function expectText(locator: import('playwright-core').Locator, expected: string | RegExp): Promise<void> {
  await waitFor(
    `text ${expected}`,
    async () => {
      const text = (await locator.first().textContent()) ?? '';
      return (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) ? text : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
}
