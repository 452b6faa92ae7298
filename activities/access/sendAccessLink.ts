import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import { type Config, msOf } from '../../lib/config';
import type { NotificationChannel } from '../notifications/channels/channel';
import { ChannelRejectedError, ChannelUnavailableError } from '../notifications/channels/channel';
import { accessLinkFor, type AccessLinkRequest, orderLinkUrl } from '../../domain/access/links';

export type { AccessLinkRequest };

export interface AccessLinkDeps {
  db: Db;
  config: Config;
  email?: NotificationChannel;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Mails a one-time link to the address on the order, never to one the caller names. Once: the link row
 * records when it went out, and the Message-ID is derived from the request, so a repeat after a crash between
 * the SMTP answer and our update can be recognised.
 */
export async function sendAccessLink(deps: AccessLinkDeps, r: AccessLinkRequest): Promise<{ status: 'sent' | 'already_sent' | 'skipped' }> {
  const order = await deps.db('orders').where({ order_number: r.orderNumber }).first('email');
  if (!order) throw ApplicationFailure.nonRetryable(`no order ${r.orderNumber}`, 'ChannelRejected');
  const to = String(order.email ?? '').trim();
  // An erased customer's address ends in .invalid (RFC 2606): there is nobody left to tell.
  if (!to || to.endsWith('@invalid') || to === '[erased]') return { status: 'skipped' };
  const link = await accessLinkFor(deps.db, deps.config, r);
  if (link.sent_at) return { status: 'already_sent' };
  // Revoked meanwhile, or the activity waited past the link's life: a dead link helps nobody.
  if (link.revoked_at || link.used_at || new Date(link.expires_at).getTime() <= Date.now()) return { status: 'skipped' };
  if (!deps.email) throw ApplicationFailure.nonRetryable('e-mail is not configured', 'ChannelRejected');

  const url = orderLinkUrl(deps.config.PUBLIC_BASE_URL, r.orderNumber, link.secret);
  const minutes = Math.round(msOf(deps.config.ACCESS_LINK_TTL) / 60_000);
  const why = r.reason === 'rotated' ? 'Our team has replaced the links to your order; the old ones no longer work.' : 'Someone (we hope you) asked for a link to this order.';
  const text = [
    `Your link to order ${r.orderNumber}`,
    '',
    why,
    `Open this link within ${minutes} minutes to see the order and confirm this e-mail address is yours. It works once:`,
    url,
    '',
    'If you did not ask for it, ignore this e-mail: nobody can use the link without this mailbox.',
  ].join('\n');
  const html = `<p>${escapeHtml(why)}</p><p>Open this link within ${minutes} minutes to see order <strong>${escapeHtml(r.orderNumber)}</strong> and confirm this e-mail address is yours. It works once:</p><p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p><p>If you did not ask for it, ignore this e-mail: nobody can use the link without this mailbox.</p>`;
  const key = `access-${r.requestKey}`;
  try {
    await deps.email.send({
      to,
      subject: `Your sign-in link for order ${r.orderNumber}`,
      text,
      html,
      messageId: `<${key.replace(/[^a-zA-Z0-9]+/g, '-')}@dyofficial.co.uk>`,
      idempotencyKey: key,
      link: url,
      orderNumber: r.orderNumber,
      dedupeKey: key,
    });
  } catch (err) {
    if (err instanceof ChannelRejectedError) throw ApplicationFailure.create({ message: err.message, type: 'ChannelRejected', nonRetryable: true });
    if (err instanceof ChannelUnavailableError) throw ApplicationFailure.create({ message: err.message, type: 'ChannelUnavailable', nextRetryDelay: err.retryAfterMs });
    throw err;
  }
  await deps.db('order_links').where({ id: link.id }).update({ sent_at: deps.db.fn.now() });
  return { status: 'sent' };
}
