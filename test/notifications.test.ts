import { startFakeSlackWebhook, type FakeSlackWebhook } from './fakes/slackWebhook';
import { startFakeTwilio, type FakeTwilio } from './fakes/twilioServer';
import { headerOf, listEmails, type MailDevEmail } from './helpers/mailSink';
import { waitFor } from '../lib/processes';
import { recordHistory } from './helpers/histories';
import { cookieFor, verifiedCustomer } from './helpers/access';
import { checkoutBody, createTestSku, pay, paymentIntent, sendStripeEvent, type System, startSystem, waitForStatus, waitForWorkflowClosed } from './helpers/system';

const MAIL = () => process.env.TEST_MAILDEV_URL as string;
const emailOfOrder = async (orderId: string): Promise<string> => (await sys.ctx.db('orders').where({ order_number: orderId }).first('email')).email;
const PHONE = '+447700900123';
let twilio: FakeTwilio;
let slack: FakeSlackWebhook;
let sys: System;
const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  twilio = await startFakeTwilio();
  slack = await startFakeSlackWebhook();
  sys = await startSystem({
    name: 'notify',
    env: { TWILIO_API_URL: twilio.url, TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: twilio.from, SLACK_WEBHOOK_URL: slack.url, NOTIFICATION_MAX_ATTEMPTS: '2', ACTIVITY_RETRY_MAX_INTERVAL: '1s' },
  });
});
afterAll(async () => {
  await sys?.stop();
  await twilio?.close();
  await slack?.close();
});

const emailsOf = async (orderId: string): Promise<MailDevEmail[]> => (await listEmails(MAIL())).filter((e) => e.subject.includes(orderId));

test('a full order life: each email, SMS and in-app message arrives once, with the tracking link', async () => {
  const sku = await createTestSku(sys.ctx, 3, 4500);
  const body = checkoutBody([{ sku, quantity: 2 }], { phone: PHONE });
  const order = (await sys.http.post('/api/checkout', body)).body;
  await pay(sys, order);
  await waitForStatus(sys, order, 'DELIVERED');
  await waitForWorkflowClosed(sys, order.orderId);
  await recordHistory(sys, `order-${order.orderId}`, 'notified-delivered');

  const emails = await emailsOf(order.orderId);
  const subjects = emails.map((e) => e.subject).sort();
  expect(subjects).toEqual(
    [
      `We've received your order ${order.orderId}`,
      `Your receipt for order ${order.orderId}`,
      `We're getting order ${order.orderId} ready`,
      `Order ${order.orderId} is on its way`,
      `Order ${order.orderId} is out for delivery today`,
      `Order ${order.orderId} has been delivered`,
    ].sort(),
  );
  for (const email of emails) {
    expect(email.to.map((t) => t.address)).toEqual([body.email]);
    // Each message links with its own link, never with the order's token.
    expect(email.html).toMatch(new RegExp(`/orders/${order.orderId}\\?link=[A-Za-z0-9_-]{43}"`));
    expect(`${email.html}${email.text}`).not.toContain(order.trackingToken);
    expect(email.text).toContain(order.orderId);
    expect(headerOf(email, 'message-id')).toMatch(/^<n-\d+-[a-z-]+-email@dyofficial\.co\.uk>$/);
  }
  expect(new Set(emails.map((e) => headerOf(e, 'message-id'))).size).toBe(emails.length);
  const links = emails.map((e) => new RegExp(`/orders/${order.orderId}\\?link=([A-Za-z0-9_-]{43})`).exec(e.html ?? '')?.[1]);
  expect(new Set(links).size).toBe(emails.length);
  const receipt = emails.find((e) => e.subject.startsWith('Your receipt')) as MailDevEmail;
  // £90.00 of goods and £3.39 standard delivery; VAT £15.00 + 57p.
  expect(receipt.text).toContain('£93.39');
  expect(receipt.text).toContain('£15.57');

  const texts = twilio.messages.filter((m) => m.body.includes(order.orderId));
  expect(texts.map((m) => m.to)).toEqual([PHONE, PHONE, PHONE]);
  expect(texts.length).toBe(3);

  const inbox = await sys.http.get(`/api/orders/${order.orderId}/inbox?token=${order.trackingToken}`);
  expect(inbox.status).toBe(200);
  expect(inbox.body.notifications.filter((n: any) => n.orderId === order.orderId)).toHaveLength(6);

  const rows = await sys.ctx.db('notifications').where({ order_number: order.orderId });
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
  expect(rows.filter((r) => r.channel === 'email')).toHaveLength(6);
  expect(rows.filter((r) => r.channel === 'sms')).toHaveLength(3);
});

test('a failing channel is retried, marked failed, reported to admins, and resent once by an admin', async () => {
  twilio.failNext(1000, 500);
  try {
    const sku = await createTestSku(sys.ctx, 3);
    const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { phone: PHONE }))).body;
    await sendStripeEvent(sys, 'payment_intent.payment_failed', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence, 'requires_payment_method'));
    await waitForStatus(sys, order, 'CANCELLED');
    await waitForWorkflowClosed(sys, order.orderId);

    const failed = await sys.http.get(`/api/admin/notifications?status=failed&orderId=${order.orderId}`, admin());
    expect(failed.status).toBe(200);
    expect(failed.body.notifications).toHaveLength(1);
    const sms = failed.body.notifications[0];
    expect(sms).toMatchObject({ channel: 'sms', template: 'payment_failed', status: 'failed', attempts: 2 });
    expect(sms.lastError).toBeTruthy();
    expect(slack.posts.some((p: any) => JSON.stringify(p).includes(order.orderId) && JSON.stringify(p).includes('Notification failed'))).toBe(true);
    // The e-mail of the same event went out regardless.
    expect((await emailsOf(order.orderId)).map((e) => e.subject)).toContain(`Your payment for order ${order.orderId} didn't go through`);

    twilio.failNext(0);
    const resent = await sys.http.post(`/api/admin/notifications/${sms.id}/resend`, {}, admin());
    expect(resent.status).toBe(200);
    expect(resent.body.notification).toMatchObject({ status: 'sent', attempts: 3 });
    expect(twilio.messages.filter((m) => m.body.includes(order.orderId))).toHaveLength(1);
    const again = await sys.http.post(`/api/admin/notifications/${sms.id}/resend`, {}, admin());
    expect(again.status).toBe(409);
    expect(twilio.messages.filter((m) => m.body.includes(order.orderId))).toHaveLength(1);
  } finally {
    twilio.failNext(0);
  }
});

test('preferences are respected: no SMS when not wanted, no non-essential messages after opting out', async () => {
  const sku = await createTestSku(sys.ctx, 3);
  const first = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { phone: PHONE }))).body;
  // Preferences are the e-mail's: set by a customer who proved the address with a one-time link.
  const customer = { Cookie: cookieFor(await verifiedCustomer(sys.http, first, await emailOfOrder(first.orderId)), '/api/customer/preferences') };
  const set = await sys.http.raw('/api/customer/preferences', {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', ...customer },
    body: JSON.stringify({ channels: ['email'], nonEssentialOptOut: true }),
  });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ channels: ['email'], nonEssentialOptOut: true });
  const bad = await sys.http.raw('/api/customer/preferences', { method: 'PUT', headers: { 'Content-Type': 'application/json', ...customer }, body: JSON.stringify({ channels: ['pigeon'] }) });
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields[0].field).toBe('channels.0');

  await pay(sys, first);
  await waitForStatus(sys, first, 'DELIVERED');
  await waitForWorkflowClosed(sys, first.orderId);
  const subjects = (await emailsOf(first.orderId)).map((e) => e.subject);
  expect(subjects).toContain(`Your receipt for order ${first.orderId}`);
  expect(subjects).toContain(`Order ${first.orderId} is on its way`);
  expect(subjects).not.toContain(`We're getting order ${first.orderId} ready`);
  expect(subjects).not.toContain(`Order ${first.orderId} is out for delivery today`);
  expect(twilio.messages.filter((m) => m.body.includes(first.orderId))).toHaveLength(0);
  // The confirmation went out at checkout, before the preferences changed; everything after follows them.
  const rows = await sys.ctx.db('notifications').where({ order_number: first.orderId }).whereNot({ template: 'order_confirmation' });
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => r.channel === 'email')).toBe(true);
});

test('an order needing a person reaches the admins on Slack and by e-mail', async () => {
  const manual = await startSystem({ name: 'notify-attention', env: { WAREHOUSE_MODE: 'auto', SLACK_WEBHOOK_URL: slack.url } });
  try {
    const sku = await createTestSku(manual.ctx, 3);
    const res = await manual.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { shippingAddress: { line1: '9 SANDBOX-REJECT Row', city: 'Leeds', postcode: 'LS1 4AP', country: 'GB' } }));
    await pay(manual, res.body);
    await waitForStatus(manual, res.body, 'NEEDS_ATTENTION');
    await waitFor('the admin Slack message', async () => slack.posts.some((p: any) => JSON.stringify(p).includes(res.body.orderId) && JSON.stringify(p).includes('Needs attention')));
    await waitFor('the admin e-mail', async () => (await emailsOf(res.body.orderId)).find((e) => e.to[0].address === manual.ctx.config.ADMIN_EMAIL));
  } finally {
    await manual.stop();
  }
});
