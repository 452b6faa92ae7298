import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import type { Config } from '../../lib/config';
import { notificationDeliveries } from '../../lib/metrics';
import { messageLinkFor } from '../../domain/access/links';
import type { NotificationTemplateName } from '../../workflows/orders/announcements';
import { type ChannelName, ChannelRejectedError, ChannelUnavailableError, type NotificationChannel } from './channels/channel';
import { buildTemplateData } from './orderDetails';
import { renderTemplate, TemplateDataError } from './templates';

export interface NotificationRequest {
  orderNumber: string;
  /** The order event this message announces: with the template and channel, the message's identity. */
  orderEventId: number;
  template: NotificationTemplateName;
  audience: 'customer' | 'admin';
  channel: ChannelName;
  data?: Record<string, unknown>;
}

/** Messages that only inform; a customer who opted out of non-essential messages does not get them. */
const NON_ESSENTIAL: NotificationTemplateName[] = ['order_processing', 'out_for_delivery'];
/** Short enough for a text message and worth one. */
const SMS_WORTHY: NotificationTemplateName[] = ['payment_failed', 'order_shipped', 'out_for_delivery', 'delivered', 'delivery_problem'];

export const dedupeKeyOf = (r: Pick<NotificationRequest, 'orderEventId' | 'template' | 'channel'>): string => `${r.orderEventId}:${r.template}:${r.channel}`;
const messageIdOf = (dedupeKey: string): string => `<n-${dedupeKey.replace(/[^a-zA-Z0-9]+/g, '-')}@dyofficial.co.uk>`;

export interface NotifyDeps {
  db: Db;
  config: Config;
  channels: Partial<Record<ChannelName, NotificationChannel>>;
}

/**
 * The channels one message goes out on: the customer's preferences within what is configured; a
 * transactional message always keeps at least email.
 */
export async function resolveChannels(deps: NotifyDeps, p: { orderNumber: string; template: NotificationTemplateName; audience: 'customer' | 'admin' }): Promise<ChannelName[]> {
  const configured = (name: ChannelName) => deps.channels[name] !== undefined;
  if (p.audience === 'admin') return configured('slack') ? ['slack', 'email'] : ['email'];
  const order = await deps.db('orders').where({ order_number: p.orderNumber }).first('email', 'phone');
  if (!order) return [];
  const prefs = await deps.db('customer_preferences').where({ email: order.email }).first();
  const essential = !NON_ESSENTIAL.includes(p.template);
  if (!essential && prefs?.non_essential_opt_out) return [];
  const wanted: ChannelName[] = prefs?.channels ?? ['email', 'sms', 'in_app'];
  const phone = prefs?.phone ?? order.phone;
  const chosen = wanted.filter((c) => configured(c) && c !== 'slack' && (c !== 'sms' || (phone && SMS_WORTHY.includes(p.template))));
  if (essential && !chosen.includes('email') && !chosen.some((c) => c !== 'in_app')) chosen.unshift('email');
  return chosen;
}

async function recipientFor(deps: NotifyDeps, r: NotificationRequest, order: { email: string; phone: string | null }): Promise<string> {
  if (r.audience === 'admin') return r.channel === 'slack' ? 'slack' : deps.config.ADMIN_EMAIL;
  if (r.channel === 'sms') {
    const prefs = await deps.db('customer_preferences').where({ email: order.email }).first('phone');
    return prefs?.phone ?? order.phone ?? '';
  }
  return order.email;
}

/**
 * Sends one message once. The row is written before the send (pending) and after it (sent): a retried
 * activity or a replayed workflow finds it sent and stops. The only window left is a crash between the
 * provider accepting and our update; the deterministic Message-ID / idempotency key lets a repeat be
 * recognised there.
 */
export async function sendNotification(deps: NotifyDeps, r: NotificationRequest): Promise<{ status: 'sent' | 'already_sent' | 'skipped'; notificationId: number }> {
  const dedupeKey = dedupeKeyOf(r);
  const order = await deps.db('orders').where({ order_number: r.orderNumber }).first();
  if (!order) throw ApplicationFailure.nonRetryable(`no order ${r.orderNumber}`, 'ChannelRejected');
  const recipient = await recipientFor(deps, r, order);
  await deps.db('notifications')
    .insert({
      dedupe_key: dedupeKey,
      order_number: r.orderNumber,
      order_event_id: r.orderEventId,
      channel: r.channel,
      template: r.template,
      recipient: recipient || '(none)',
      audience: r.audience,
      status: 'pending',
      message_id: messageIdOf(dedupeKey),
      payload: JSON.stringify(r.data ?? {}),
    })
    .onConflict('dedupe_key')
    .ignore();
  const row = await deps.db('notifications').where({ dedupe_key: dedupeKey }).first();
  if (row.status === 'sent' || row.status === 'skipped') {
    notificationDeliveries.inc({ channel: r.channel, template: r.template, outcome: 'already_sent' });
    return { status: 'already_sent', notificationId: row.id };
  }

  const channel = deps.channels[r.channel];
  // An erased customer's address ends in .invalid (RFC 2606): there is nobody left to tell.
  const erased = recipient.endsWith('@invalid') || recipient === '[erased]';
  if (!channel || !recipient || erased) {
    await deps.db('notifications').where({ id: row.id }).update({ status: 'skipped', last_error: !channel ? `${r.channel} is not configured` : erased ? 'customer data erased' : 'no recipient', updated_at: deps.db.fn.now() });
    notificationDeliveries.inc({ channel: r.channel, template: r.template, outcome: 'skipped' });
    return { status: 'skipped', notificationId: row.id };
  }

  await deps.db('notifications').where({ id: row.id }).increment('attempts', 1).update({ updated_at: deps.db.fn.now() });
  // Each customer message links with its own read-only secret (the same one on a retry of this row), never the
  // order's token: a message forwarded, or read in an inbox someone else can see, opens this one order, for a while.
  const link = r.audience === 'customer' ? await messageLinkFor(deps.db, deps.config, { orderNumber: r.orderNumber, notificationId: Number(row.id) }) : undefined;
  const data = await buildTemplateData(deps.db, deps.config, r.orderNumber, link, r.data ?? {});
  let rendered: ReturnType<typeof renderTemplate>;
  try {
    rendered = renderTemplate(r.template, data);
  } catch (err) {
    // Missing data will still be missing on the next attempt: fail it for an admin instead of retrying.
    if (err instanceof TemplateDataError) throw ApplicationFailure.create({ message: err.message, type: 'ChannelRejected', nonRetryable: true });
    throw err;
  }
  try {
    const result = await channel.send({
      to: recipient,
      subject: rendered.subject,
      text: r.channel === 'sms' ? rendered.sms : rendered.text,
      html: rendered.html,
      messageId: row.message_id,
      idempotencyKey: dedupeKey,
      link: rendered.link,
      orderNumber: r.orderNumber,
      dedupeKey,
    });
    await deps.db('notifications').where({ id: row.id }).update({ status: 'sent', provider_id: result.providerId ?? null, last_error: null, sent_at: deps.db.fn.now(), updated_at: deps.db.fn.now() });
    notificationDeliveries.inc({ channel: r.channel, template: r.template, outcome: 'sent' });
    return { status: 'sent', notificationId: row.id };
  } catch (err) {
    const message = (err as Error).message.slice(0, 2000);
    notificationDeliveries.inc({ channel: r.channel, template: r.template, outcome: err instanceof ChannelRejectedError ? 'rejected' : 'error' });
    await deps.db('notifications').where({ id: row.id }).update({ last_error: message, updated_at: deps.db.fn.now() });
    if (err instanceof ChannelRejectedError) throw ApplicationFailure.create({ message, type: 'ChannelRejected', nonRetryable: true });
    if (err instanceof ChannelUnavailableError) throw ApplicationFailure.create({ message, type: 'ChannelUnavailable', nextRetryDelay: err.retryAfterMs });
    throw err;
  }
}

/** The last retry is spent: the row says so, and an admin can resend it. */
export async function markNotificationFailed(deps: NotifyDeps, r: NotificationRequest & { error: string }): Promise<void> {
  await deps.db('notifications')
    .where({ dedupe_key: dedupeKeyOf(r) })
    .whereNot({ status: 'sent' })
    .update({ status: 'failed', last_error: r.error.slice(0, 2000), updated_at: deps.db.fn.now() });
}

/** An admin's resend: the failed row goes back to pending and is sent by the same activity, once. */
export async function reopenNotification(deps: NotifyDeps, notificationId: number): Promise<NotificationRequest> {
  const row = await deps.db('notifications').where({ id: notificationId }).first();
  if (!row) throw ApplicationFailure.nonRetryable(`no notification ${notificationId}`, 'NotFound');
  if (row.status !== 'sent') await deps.db('notifications').where({ id: notificationId }).update({ status: 'pending', updated_at: deps.db.fn.now() });
  return { orderNumber: row.order_number, orderEventId: Number(row.order_event_id), template: row.template, audience: row.audience, channel: row.channel, data: row.payload };
}
