/**
 * Notification channels against real local services (MailDev, a Twilio-compatible server, a Slack-style
 * webhook, PostgreSQL) and the templates they carry. Standalone: it needs none of the repo's globalSetup.
 */
import { Client as PgClient } from 'pg';
import { ChannelRejectedError, ChannelUnavailableError, type OutgoingMessage } from '../activities/notifications/channels/channel';
import { createChannels, type ChannelConfig } from '../activities/notifications/channels/channels';
import { EmailChannel } from '../activities/notifications/channels/emailChannel';
import { InAppChannel } from '../activities/notifications/channels/inAppChannel';
import { SlackChannel } from '../activities/notifications/channels/slackChannel';
import { MAX_SMS_CHARS, SmsChannel } from '../activities/notifications/channels/smsChannel';
import {
  NOTIFICATION_TEMPLATES,
  TemplateDataError,
  formatPence,
  renderTemplate,
  templateAudience,
  type TemplateData,
} from '../activities/notifications/templates';
import { createDb, migrateLatest, type Db } from '../db/connection';
import { withDatabase } from '../db/ensureDatabase';
import { startMailSink, type MailSink } from '../lib/mailSink';
import { freePort } from '../lib/processes';
import { startRejectingSmtp } from './fakes/rejectingSmtp';
import { startFakeSlackWebhook, type FakeSlackWebhook } from './fakes/slackWebhook';
import { segments, startFakeTwilio, type FakeTwilio } from './fakes/twilioServer';
import { clearEmails, headerOf, listEmails, waitForEmail } from './helpers/mailSink';

jest.setTimeout(60_000);

const ADMIN_PG = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BASE = 'http://127.0.0.1:3000';
const ORDER = 'DY-261125-7K3QM';
const TOKEN = 'tok_Abc-123_xyz';
const ORDER_LINK = `${BASE}/orders/${ORDER}?link=${TOKEN}`;

/** Two tees and a cap: £70.00 with the 20% VAT it includes, £11.67 (7000 / 6, rounded half up). */
const sample: TemplateData = {
  publicBaseUrl: BASE,
  orderNumber: ORDER,
  orderLinkSecret: TOKEN,
  customerName: 'Alex Morgan',
  customerEmail: 'alex@example.com',
  lines: [
    { sku: 'DY-HEAVYWEIGHT-TEE-BLACK-M', productName: 'Heavyweight Tee (Black)', size: 'M', quantity: 2, lineTotalPence: 5000 },
    { sku: 'DY-CAP-ONE', productName: 'Logo Cap', size: 'One size', quantity: 1, lineTotalPence: 2000 },
  ],
  totals: { currency: 'GBP', subtotalPence: 7000, shippingPence: 0, totalPence: 7000, vatPence: 1167 },
  paymentFailureReason: 'Your card was declined.',
  carrier: 'Sandbox Parcels',
  trackingNumber: 'SBX123456789GB',
  trackingUrl: 'https://track.example.com/SBX123456789GB?lang=en&src=email',
  estimatedDelivery: '2026-11-27T12:00:00Z',
  problem: 'delayed',
  problemDetail: 'Held at the depot overnight',
  cancelReason: 'CUSTOMER_CANCELLED',
  refundPence: 7000,
  returnStatus: 'received',
  attentionReason: 'DELIVERY_EXCEPTION',
  attentionDetail: 'Address not found',
  dispute: { amountPence: 7000, reason: 'fraudulent' },
  failedNotification: { template: 'order_shipped', channel: 'sms', recipient: '+447700900999', attempts: 8, error: '21211 Invalid To' },
};

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const rendered = renderTemplate('payment_receipt', sample);
  const key = overrides.dedupeKey ?? `41:payment_receipt:${Math.random().toString(36).slice(2)}`;
  return {
    to: 'alex@example.com',
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: `<n-${key.replace(/[^a-zA-Z0-9]+/g, '-')}@dyofficial.co.uk>`,
    idempotencyKey: key,
    link: rendered.link,
    orderNumber: ORDER,
    dedupeKey: key,
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the send to fail');
}

describe('formatPence', () => {
  it('formats integer pence as pounds, with integer arithmetic only', () => {
    expect(formatPence(7000)).toBe('£70.00');
    expect(formatPence(1167)).toBe('£11.67');
    expect(formatPence(5)).toBe('£0.05');
    expect(formatPence(0)).toBe('£0.00');
    expect(formatPence(99)).toBe('£0.99');
    expect(formatPence(123456)).toBe('£1,234.56');
    expect(formatPence(100_000_000)).toBe('£1,000,000.00');
    expect(formatPence(-250)).toBe('-£2.50');
    // Where float division would round wrongly: 2^53 - 1 pence.
    expect(formatPence(Number.MAX_SAFE_INTEGER)).toBe('£90,071,992,547,409.91');
  });

  it('refuses amounts that are not integers', () => {
    expect(() => formatPence(12.5)).toThrow(RangeError);
    expect(() => formatPence(Number.NaN)).toThrow(RangeError);
  });
});

describe('templates', () => {
  it.each(NOTIFICATION_TEMPLATES.map((t) => [t]))('%s renders subject, text, html and sms with the order number', (template) => {
    const r = renderTemplate(template, sample);
    for (const part of [r.subject, r.text, r.html, r.sms]) {
      expect(part.trim()).not.toBe('');
      expect(part).toContain(ORDER);
    }
    expect(r.html).toMatch(/^<!DOCTYPE html>/);
    expect(r.html).toContain('DY OFFICIAL');
    expect(r.sms.length).toBeLessThanOrEqual(MAX_SMS_CHARS);
    // GSM-7 only (one non-GSM character makes it UCS-2 and triples the segments), at most two segments.
    expect(segments(r.sms)).toBeLessThanOrEqual(2);
    if (templateAudience(template) === 'customer') {
      expect(r.link).toBe(ORDER_LINK);
      expect(r.text).toContain(ORDER_LINK);
      expect(r.html).toContain(`href="${ORDER_LINK}"`);
      if (template !== 'payment_failed') expect(r.sms).toContain(ORDER_LINK);
    } else {
      expect(r.link).toBe(`${BASE}/admin/orders/${ORDER}`);
      expect(r.html).toContain(r.link);
    }
  });

  it('shows lines with size and quantity, prices and the VAT included', () => {
    for (const template of ['order_confirmation', 'payment_receipt'] as const) {
      const r = renderTemplate(template, sample);
      expect(r.html).toContain('Heavyweight Tee (Black)');
      expect(r.html).toContain('Size M · Qty 2');
      expect(r.html).toContain('£50.00');
      expect(r.html).toContain('£20.00');
      expect(r.html).toContain('£70.00');
      expect(r.html).toContain('includes £11.67 VAT');
      expect(r.text).toContain('Heavyweight Tee (Black), size M × 2  £50.00');
      expect(r.text).toContain('Total: £70.00 (includes £11.67 VAT)');
    }
  });

  it('payment_failed links to a checkout prefilled with the same items', () => {
    const r = renderTemplate('payment_failed', sample);
    const retry = `${BASE}/checkout?retry=${ORDER}&items=DY-HEAVYWEIGHT-TEE-BLACK-M:2,DY-CAP-ONE:1`;
    expect(r.text).toContain(retry);
    expect(r.html).toContain(`href="${retry.replace('&', '&amp;')}"`);
    expect(r.sms).toContain(retry);
    expect(r.text).toContain('Your card was declined.');
  });

  it('order_shipped carries the carrier, the tracking number and the tracking link', () => {
    const r = renderTemplate('order_shipped', sample);
    expect(r.text).toContain('Sandbox Parcels');
    expect(r.text).toContain('SBX123456789GB');
    expect(r.html).toContain('href="https://track.example.com/SBX123456789GB?lang=en&amp;src=email"');
    // The SMS keeps to one link, the order page, which shows the carrier's events too.
    expect(r.sms).toContain(ORDER_LINK);
  });

  it('order_cancelled says why in plain words and how much was refunded', () => {
    const r = renderTemplate('order_cancelled', sample);
    expect(r.text).toContain('because you asked us to cancel it');
    expect(r.text).toContain("We've refunded £70.00");
    const unpaid = renderTemplate('order_cancelled', { ...sample, cancelReason: 'PAYMENT_TIMEOUT', refundPence: 0 });
    expect(unpaid.text).toContain('we did not receive your payment in time');
    expect(unpaid.text).not.toContain('refunded');
  });

  it('escapes customer-provided strings in HTML and drops non-http links', () => {
    const hostile: TemplateData = {
      ...sample,
      customerName: '<script>alert("x")</script> Smith',
      paymentFailureReason: '<img src=x onerror=alert(1)>',
      attentionDetail: '"><b>bold</b>',
      trackingUrl: 'javascript:alert(1)',
      lines: [{ sku: 'DY-TEE&<M>', productName: 'Tee <b>bold</b>', size: 'M"', quantity: 1, lineTotalPence: 7000 }],
    };
    for (const template of NOTIFICATION_TEMPLATES) {
      const { html } = renderTemplate(template, hostile);
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      expect(html).not.toContain('<b>');
      expect(html).not.toContain('javascript:');
    }
    const confirmation = renderTemplate('order_confirmation', hostile).html;
    // A greeting names the customer only by a name-like first word (activities/notifications/templates/layout.ts).
    expect(confirmation).toContain('>Hello,</p>');
    expect(confirmation).not.toContain('alert(');
    expect(confirmation).toContain('Tee &lt;b&gt;bold&lt;/b&gt;');
    expect(renderTemplate('payment_failed', hostile).html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(renderTemplate('admin_needs_attention', hostile).html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Smith');
    expect(renderTemplate('payment_failed', hostile).text).toContain('items=DY-TEE%26%3CM%3E:1');
  });

  it('refuses to render a customer message without its order link', () => {
    expect(() => renderTemplate('delivered', { ...sample, orderLinkSecret: undefined })).toThrow(TemplateDataError);
    expect(() => renderTemplate('admin_dispute', { ...sample, orderLinkSecret: undefined })).not.toThrow();
  });
});

describe('email channel', () => {
  let sink: MailSink;
  beforeAll(async () => {
    sink = await startMailSink();
  });
  afterAll(async () => {
    await sink?.stop();
  });

  it('delivers to MailDev with the deterministic Message-ID, html and text', async () => {
    await clearEmails(sink.webUrl);
    const channel = new EmailChannel({ smtpUrl: sink.smtpUrl, from: 'DY Official <orders@dyofficial.co.uk>' });
    const m = message({ to: 'alex@example.com', dedupeKey: '41:payment_receipt:email' });
    const result = await channel.send(m);
    expect(result.providerId).toBe(m.messageId);

    const email = await waitForEmail(sink.webUrl, (e) => headerOf(e, 'message-id') === m.messageId);
    expect(email.subject).toBe(`Your receipt for order ${ORDER}`);
    expect(email.to.map((t) => t.address)).toEqual(['alex@example.com']);
    expect(email.from[0]).toEqual({ address: 'orders@dyofficial.co.uk', name: 'DY Official' });
    expect(email.html).toContain(`href="${ORDER_LINK}"`);
    expect(email.html).toContain('£70.00');
    expect(email.html).toContain('includes £11.67 VAT');
    expect(email.text).toContain(ORDER_LINK);
    expect(headerOf(email, 'auto-submitted')).toBe('auto-generated');
  });

  it('is what createChannels builds from SMTP_URL', async () => {
    await clearEmails(sink.webUrl);
    // knex connects lazily: the in-app channel is built but this test never touches a database.
    const unusedDb = createDb('postgres://unused@127.0.0.1:1/unused');
    const channels = createChannels(config({ SMTP_URL: sink.smtpUrl }), unusedDb);
    const m = message({ to: 'sam@example.com' });
    await channels.email!.send(m);
    await unusedDb.destroy();
    const email = await waitForEmail(sink.webUrl, (e) => headerOf(e, 'message-id') === m.messageId);
    expect(email.to[0].address).toBe('sam@example.com');
    expect(await listEmails(sink.webUrl)).toHaveLength(1);
  });

  it('treats a 5xx recipient refusal as rejected, not worth retrying', async () => {
    const smtp = await startRejectingSmtp();
    try {
      const err = await rejection(new EmailChannel({ smtpUrl: smtp.url, from: 'orders@dyofficial.co.uk' }).send(message()));
      expect(err).toBeInstanceOf(ChannelRejectedError);
      expect((err as ChannelRejectedError).code).toBe('SMTP_550');
    } finally {
      await smtp.close();
    }
  });

  it('treats a 4xx refusal and a refused connection as unavailable', async () => {
    const smtp = await startRejectingSmtp('451 4.7.1 Greylisted, try again later');
    try {
      const err = await rejection(new EmailChannel({ smtpUrl: smtp.url, from: 'orders@dyofficial.co.uk' }).send(message()));
      expect(err).toBeInstanceOf(ChannelUnavailableError);
    } finally {
      await smtp.close();
    }
    const closed = await freePort();
    const err = await rejection(new EmailChannel({ smtpUrl: `smtp://127.0.0.1:${closed}`, from: 'orders@dyofficial.co.uk' }).send(message()));
    expect(err).toBeInstanceOf(ChannelUnavailableError);
  });

  it('refuses an address that is not one without contacting the server', async () => {
    const err = await rejection(new EmailChannel({ smtpUrl: sink.smtpUrl, from: 'orders@dyofficial.co.uk' }).send(message({ to: 'not an address' })));
    expect(err).toBeInstanceOf(ChannelRejectedError);
  });
});

describe('sms channel', () => {
  let twilio: FakeTwilio;
  let sms: SmsChannel;
  beforeAll(async () => {
    twilio = await startFakeTwilio();
    sms = new SmsChannel({ apiUrl: twilio.url, accountSid: twilio.accountSid, authToken: twilio.authToken, from: twilio.from });
  });
  afterAll(async () => {
    await twilio?.close();
  });

  it('posts the message in Twilio form encoding with Basic auth and the idempotency token', async () => {
    const rendered = renderTemplate('order_shipped', sample);
    const m = message({ to: '+447700900456', text: rendered.sms, link: rendered.link, idempotencyKey: '77:order_shipped:sms' });
    const result = await sms.send(m);
    expect(result.providerId).toMatch(/^SM[0-9a-f]{32}$/);

    const sent = twilio.messages.find((x) => x.sid === result.providerId);
    expect(sent).toMatchObject({ to: '+447700900456', from: twilio.from, body: rendered.sms, idempotencyToken: '77:order_shipped:sms' });
    const request = twilio.requests.at(-1)!;
    expect(request.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers['i-twilio-idempotency-token']).toBe('77:order_shipped:sms');
  });

  it('gets the same message back for a repeated idempotency token', async () => {
    const m = message({ to: '+447700900457', text: 'hello', idempotencyKey: '78:delivered:sms' });
    const first = await sms.send(m);
    const before = twilio.messages.length;
    const second = await sms.send(m);
    expect(second.providerId).toBe(first.providerId);
    expect(twilio.messages).toHaveLength(before);
  });

  it('rejects an invalid number (21211) and wrong credentials (20003) without retrying', async () => {
    const invalid = await rejection(sms.send(message({ to: '07700 900123', text: 'hi' })));
    expect(invalid).toBeInstanceOf(ChannelRejectedError);
    expect((invalid as ChannelRejectedError).code).toBe('21211');

    const wrong = new SmsChannel({ apiUrl: twilio.url, accountSid: twilio.accountSid, authToken: 'not-the-token', from: twilio.from });
    const denied = await rejection(wrong.send(message({ to: '+447700900456', text: 'hi' })));
    expect(denied).toBeInstanceOf(ChannelRejectedError);
    expect((denied as ChannelRejectedError).code).toBe('20003');
  });

  it('reports 500, 429 (with its Retry-After) and a dead server as unavailable', async () => {
    twilio.failNext(1, 500);
    const failed = await rejection(sms.send(message({ to: '+447700900456', text: 'hi' })));
    expect(failed).toBeInstanceOf(ChannelUnavailableError);
    expect((failed as ChannelUnavailableError).retryAfterMs).toBeUndefined();

    twilio.failNext(1, 429, 7);
    const limited = await rejection(sms.send(message({ to: '+447700900456', text: 'hi' })));
    expect(limited).toBeInstanceOf(ChannelUnavailableError);
    expect((limited as ChannelUnavailableError).retryAfterMs).toBe(7000);

    // The faults are spent: the same channel sends again.
    await expect(sms.send(message({ to: '+447700900456', text: 'hi' }))).resolves.toHaveProperty('providerId');

    const closed = await freePort();
    const dead = new SmsChannel({ apiUrl: `http://127.0.0.1:${closed}`, accountSid: twilio.accountSid, authToken: twilio.authToken, from: twilio.from });
    expect(await rejection(dead.send(message({ to: '+447700900456', text: 'hi' })))).toBeInstanceOf(ChannelUnavailableError);
  });

  it('trims a long text to a sensible length and keeps the link', async () => {
    const link = ORDER_LINK;
    const m = message({ to: '+447700900458', text: `${'A very long update about your parcel. '.repeat(30)}${link}`, link });
    const { providerId } = await sms.send(m);
    const sent = twilio.messages.find((x) => x.sid === providerId)!;
    expect([...sent.body].length).toBeLessThanOrEqual(MAX_SMS_CHARS);
    expect(sent.body.endsWith(link)).toBe(true);
    expect(sent.numSegments).toBeLessThanOrEqual(2);
  });
});

describe('slack channel', () => {
  let slack: FakeSlackWebhook;
  beforeAll(async () => {
    slack = await startFakeSlackWebhook();
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('posts text and blocks, escaping mrkdwn control characters', async () => {
    const rendered = renderTemplate('admin_needs_attention', { ...sample, attentionDetail: '<!channel> & co' });
    await new SlackChannel({ webhookUrl: slack.url }).send(message({ to: 'slack', subject: rendered.subject, text: rendered.text, link: rendered.link }));
    expect(slack.posts).toHaveLength(1);
    const post = slack.posts[0] as { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(post.text).toContain(`[Needs attention] ${ORDER}`);
    expect(post.blocks[0].text?.text).toContain('&lt;!channel&gt; &amp; co');
    expect(JSON.stringify(post.blocks)).toContain(`<${BASE}/admin/orders/${ORDER}|Open ${ORDER}>`);
  });

  it('maps 429 and 5xx to unavailable and other 4xx to rejected', async () => {
    const channel = new SlackChannel({ webhookUrl: slack.url });
    slack.failNext(1, 429, 3);
    const limited = await rejection(channel.send(message()));
    expect(limited).toBeInstanceOf(ChannelUnavailableError);
    expect((limited as ChannelUnavailableError).retryAfterMs).toBe(3000);

    slack.failNext(1, 500);
    expect(await rejection(channel.send(message()))).toBeInstanceOf(ChannelUnavailableError);

    slack.failNext(1, 404);
    const gone = await rejection(channel.send(message()));
    expect(gone).toBeInstanceOf(ChannelRejectedError);
    expect((gone as ChannelRejectedError).code).toBe('no_service');
    // The webhook's secret path never reaches an error message (they end up in logs and rows).
    expect((gone as Error).message).not.toContain('/services/');
  });
});

describe('in-app channel and createChannels (PostgreSQL)', () => {
  const dbName = `dy_orders_notify_test_${process.pid}_${Date.now()}`;
  let db: Db;

  beforeAll(async () => {
    const admin = new PgClient({ connectionString: ADMIN_PG });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    db = createDb(withDatabase(ADMIN_PG, dbName));
    await migrateLatest(db);
  });

  afterAll(async () => {
    await db?.destroy();
    const admin = new PgClient({ connectionString: ADMIN_PG });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it('inserts one row per dedupe key, however often it is sent', async () => {
    const channel = new InAppChannel(db);
    const m = message({ to: 'Alex@Example.com', dedupeKey: '41:payment_receipt:in_app' });
    const first = await channel.send(m);
    const second = await channel.send(m);
    expect(second.providerId).toBe(first.providerId);

    const rows = await db('in_app_notifications').where({ dedupe_key: '41:payment_receipt:in_app' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'alex@example.com', order_number: ORDER, title: m.subject, body: m.text, link: ORDER_LINK, read_at: null });

    await channel.send(message({ dedupeKey: '42:order_shipped:in_app' }));
    expect(await db('in_app_notifications').where({ order_number: ORDER })).toHaveLength(2);
  });

  it('createChannels offers only what is configured', () => {
    expect(Object.keys(createChannels(config(), db)).sort()).toEqual(['email', 'in_app']);
    const twilio = { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token-123456', TWILIO_FROM: '+447700900123' };
    expect(Object.keys(createChannels(config({ ...twilio, TWILIO_FROM: undefined }), db)).sort()).toEqual(['email', 'in_app']);
    const all = createChannels(config({ ...twilio, SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/services/T/B/x' }), db);
    expect(Object.keys(all).sort()).toEqual(['email', 'in_app', 'slack', 'sms']);
    for (const [name, channel] of Object.entries(all)) expect(channel.name).toBe(name);
  });
});

function config(overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    SMTP_URL: undefined,
    MAIL_FROM: 'DY Official <orders@dyofficial.co.uk>',
    MAILDEV_SMTP_PORT: 1025,
    TWILIO_API_URL: 'https://api.twilio.com',
    TWILIO_ACCOUNT_SID: undefined,
    TWILIO_AUTH_TOKEN: undefined,
    TWILIO_FROM: undefined,
    SLACK_WEBHOOK_URL: undefined,
    ...overrides,
  };
}
