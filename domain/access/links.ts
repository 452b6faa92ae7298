import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../../db/connection';
import { type Config, msOf } from '../../lib/config';

/**
 * Links to one order that travel by e-mail, SMS or the in-app inbox (api/orders/access.ts has the tokens).
 *
 * A link's secret is HMAC(TRACKING_TOKEN_SECRET, its row's random nonce): the row holds the nonce and the
 * secret's SHA-256, never the secret, so a retried send can mail the very same link (a second attempt must not
 * mail a different one) while a copy of the database opens nothing without the server's key.
 *
 * - `access`: single use, ACCESS_LINK_TTL (15 minutes), mailed to the address on the order; opening it gives an
 *   order session with proof and verifies the e-mail.
 * - `message`: one per notification, MESSAGE_LINK_TTL; opens its order read-only (no proof), reusable until then.
 */

/** What the access-link workflow is asked to mail (its input), from the API to the activity. */
export interface AccessLinkRequest {
  orderNumber: string;
  /** Unique per request (finder, order page, staff rotation): the link's identity, so a retry mails the same one. */
  requestKey: string;
  reason: 'finder' | 'verify' | 'rotated';
}

export type LinkPurpose = 'access' | 'message';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export const linkSecret = (config: Pick<Config, 'TRACKING_TOKEN_SECRET'>, nonce: string): string =>
  createHmac('sha256', config.TRACKING_TOKEN_SECRET).update(`order-link:${nonce}`).digest('base64url');

export function orderLinkUrl(publicBaseUrl: string, orderNumber: string, secret: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/orders/${encodeURIComponent(orderNumber)}?link=${encodeURIComponent(secret)}`;
}

interface LinkRow {
  id: number;
  order_number: string;
  purpose: LinkPurpose;
  nonce: string;
  expires_at: Date;
  used_at: Date | null;
  sent_at: Date | null;
  revoked_at: Date | null;
}

/** The row for this key, created on the first call; later calls (a retried activity) find the same one. */
async function linkRow(db: Db, config: Config, row: { orderNumber: string; purpose: LinkPurpose; requestKey?: string; notificationId?: number }): Promise<LinkRow> {
  const nonce = randomBytes(24).toString('base64url');
  const ttl = msOf(row.purpose === 'access' ? config.ACCESS_LINK_TTL : config.MESSAGE_LINK_TTL);
  const conflict = row.requestKey !== undefined ? 'request_key' : 'notification_id';
  await db.raw(
    `insert into order_links (order_number, purpose, request_key, notification_id, nonce, token_hash, expires_at, created_at)
     values (?, ?, ?, ?, ?, ?, now() + (? * interval '1 millisecond'), now()) on conflict (${conflict}) do nothing`,
    [row.orderNumber, row.purpose, row.requestKey ?? null, row.notificationId ?? null, nonce, sha256(linkSecret(config, nonce)), ttl],
  );
  const query = db('order_links').first();
  return row.requestKey !== undefined ? query.where({ request_key: row.requestKey }) : query.where({ notification_id: row.notificationId });
}

export async function accessLinkFor(db: Db, config: Config, p: { orderNumber: string; requestKey: string }): Promise<LinkRow & { secret: string }> {
  const row = await linkRow(db, config, { orderNumber: p.orderNumber, purpose: 'access', requestKey: p.requestKey });
  return { ...row, secret: linkSecret(config, row.nonce) };
}

/** The link a notification carries to its order: the same on every retry of that notification. */
export async function messageLinkFor(db: Db, config: Config, p: { orderNumber: string; notificationId: number }): Promise<string> {
  const row = await linkRow(db, config, { orderNumber: p.orderNumber, purpose: 'message', notificationId: p.notificationId });
  return linkSecret(config, row.nonce);
}

/**
 * Opens a link: a one-time link is marked used in the same statement that finds it (two clicks race, one
 * wins); a message link only has to be live. Undefined for anything unknown, used, expired or revoked.
 */
export async function redeemLink(db: Db, orderNumber: string, secret: string): Promise<{ purpose: LinkPurpose } | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  const hash = sha256(secret);
  const used = await db('order_links')
    .where({ token_hash: hash, order_number: orderNumber, purpose: 'access' })
    .whereNull('used_at')
    .whereNull('revoked_at')
    .where('expires_at', '>', db.fn.now())
    .update({ used_at: db.fn.now() })
    .returning('purpose');
  if (used.length > 0) return { purpose: 'access' };
  const message = await db('order_links').where({ token_hash: hash, order_number: orderNumber, purpose: 'message' }).whereNull('revoked_at').where('expires_at', '>', db.fn.now()).first('id');
  return message ? { purpose: 'message' } : undefined;
}
