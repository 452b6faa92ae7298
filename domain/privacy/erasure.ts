import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../../db/connection';

/**
 * Erases one customer's personal data from our tables (UK GDPR art. 17), keeping what the law and the books
 * still need: money (payments, refunds), stock movements, order lines and totals, the shape and order of the
 * event log. Per table:
 *
 * - orders: email → `erased+<hash>@invalid` (a keyed hash, so the customer's orders still group together and a
 *   repeat request finds them; `.invalid` can never receive mail), name → 'erased', phone → null,
 *   shipping_address → `{ country, postcodeDistrict? }`: country for VAT/export reporting, the UK outward code
 *   (e.g. "E1", thousands of addresses) for regional figures; street, city and full postcode go.
 * - order_lines, payments, refunds, stock_ledger, checkout_requests: untouched (no personal data; the
 *   checkout request hash is one-way over the whole request).
 * - order_events.data, webhook_events.payload / last_error, notifications.payload / last_error: personal keys
 *   (e-mail, name, phone, address, Stripe's billing_details / receipt_email / customer / shipping …) set to
 *   null, and the customer's e-mail, name, phone and street anywhere in free text replaced by "[erased]".
 *   The event log allows this one rewrite (see the erasure migration).
 * - notifications.recipient: the customer's address or number → the erased e-mail / "[erased]"; admins' kept.
 * - in_app_notifications: deleted (the customer's inbox; nothing in it is worth keeping without them).
 * - customer_preferences, customer_sessions: deleted; the orders' tokens, sessions and links revoked.
 *
 * Idempotent: a second request changes nothing and reports zero changes.
 */

export const ERASED_NAME = 'erased';
export const ERASED_TEXT = '[erased]';

/**
 * Keys whose values are personal wherever they appear, compared lower-case without `_`/`-`: ours (workflow
 * inputs) and Stripe's (billing_details, receipt_email, customer, shipping …).
 */
const PERSONAL_KEYS = new Set(
  [
    'email',
    'receipt_email',
    'customer_email',
    'name',
    'customer_name',
    'recipient_name',
    'phone',
    'customer_phone',
    'customer',
    'customer_details',
    'billing_details',
    'shipping',
    'shipping_details',
    'shipping_address',
    'address',
    'line1',
    'line2',
    'city',
    'postcode',
    'postal_code',
  ].map((k) => k.replace(/[_-]/g, '')),
);

export interface ErasureCounts {
  orders: number;
  orderEvents: number;
  webhookEvents: number;
  notifications: number;
  inAppNotificationsDeleted: number;
  customerPreferencesDeleted: number;
}

export interface ErasureOutcome {
  erasureId: number;
  emailHash: string;
  erasedEmail: string;
  /** The customer's orders (found by their e-mail, or by the erased e-mail on a repeat request). */
  orders: Array<{ orderNumber: string; workflowId: string }>;
  counts: ErasureCounts;
  kept: { payments: number; refunds: number; stockLedger: number };
}

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/**
 * A keyed hash, not a bare SHA-256: e-mail addresses are guessable, and an unkeyed hash of one can be reversed
 * by hashing candidates. Keyed by a key derived from TRACKING_TOKEN_SECRET (domain-separated, so the two uses
 * never share a value); rotating that secret only means later requests for the same person hash differently.
 */
export function erasureHash(secret: string, email: string): string {
  const key = createHmac('sha256', secret).update('dy-orders:erasure:v1').digest();
  return createHmac('sha256', key).update(normaliseEmail(email)).digest('hex');
}

export const erasedEmailOf = (hash: string): string => `erased+${hash.slice(0, 24)}@invalid`;

/** UK outward code ("E1" of "E1 6PQ"); elsewhere formats differ too much to cut safely, so none is kept. */
function postcodeDistrict(country: unknown, postcode: unknown): string | undefined {
  if (typeof postcode !== 'string' || !/^(GB|UK)$/i.test(String(country ?? ''))) return undefined;
  const m = /^([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}$/i.exec(postcode.trim());
  return m ? m[1].toUpperCase() : undefined;
}

export function anonymiseAddress(address: unknown): Record<string, string> {
  const a = (typeof address === 'object' && address !== null ? address : {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  if (typeof a.country === 'string') out.country = a.country;
  // An already anonymised address keeps its district: erasure must be repeatable without losing it.
  const district = postcodeDistrict(a.country, a.postcode) ?? (typeof a.postcodeDistrict === 'string' ? a.postcodeDistrict : undefined);
  if (district) out.postcodeDistrict = district;
  return out;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One pattern for the customer's identifying strings in free text. Short values are left out: a two-letter
 * name would otherwise blank out every word containing it.
 */
export function needlePattern(values: Array<string | null | undefined>): RegExp | undefined {
  const needles = [...new Set(values.map((v) => v?.trim() ?? '').filter((v) => v.length >= 4 && v.toLowerCase() !== ERASED_NAME))];
  // Longest first, so an address line is replaced whole rather than around a name inside it.
  needles.sort((a, b) => b.length - a.length);
  return needles.length > 0 ? new RegExp(needles.map(escapeRegExp).join('|'), 'gi') : undefined;
}

export function scrubText(text: string, needles: RegExp | undefined): string {
  return needles ? text.replace(needles, ERASED_TEXT) : text;
}

/** A JSON value with personal keys nulled and the customer's strings blanked, anywhere in it. */
export function scrubJson(value: unknown, needles: RegExp | undefined): unknown {
  if (typeof value === 'string') return scrubText(value, needles);
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, needles));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, PERSONAL_KEYS.has(k.toLowerCase().replace(/[_-]/g, '')) ? null : scrubJson(v, needles)]),
    );
  }
  return value;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const likePattern = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

interface OrderRow {
  order_number: string;
  workflow_id: string;
  email: string;
  name: string;
  phone: string | null;
  shipping_address: unknown;
  payment_intent_id: string | null;
}

/**
 * Everything in one transaction: either the customer is erased everywhere, or nowhere (a half-erased customer
 * is the worst of both). The audit row is written in it too, so no erasure happens without its record.
 */
export async function eraseCustomerData(db: Db, p: { email: string; secret: string; requestedBy: string }): Promise<ErasureOutcome> {
  const email = normaliseEmail(p.email);
  const emailHash = erasureHash(p.secret, email);
  const erasedEmail = erasedEmailOf(emailHash);

  return db.transaction(async (trx) => {
    // Transaction-local: lets this transaction, and only it, rewrite order_events.data.
    await trx.raw("select set_config('dy.erasure', 'on', true)");

    // Locked like recordOrderEvent locks them, so a status write in flight waits for the erasure, not the reverse.
    const orders: OrderRow[] = await trx('orders')
      .whereRaw('lower(email) = ?', [email])
      .orWhere({ email: erasedEmail })
      .forUpdate()
      .select('order_number', 'workflow_id', 'email', 'name', 'phone', 'shipping_address', 'payment_intent_id');
    const orderNumbers = orders.map((o) => o.order_number);
    const prefs: Array<{ phone: string | null }> = await trx('customer_preferences').whereRaw('lower(email) = ?', [email]).orWhere({ email: erasedEmail }).select('phone');

    const phones = [...orders.map((o) => o.phone), ...prefs.map((r) => r.phone)].filter((v): v is string => Boolean(v));
    const streets = orders.flatMap((o) => {
      const a = (o.shipping_address ?? {}) as Record<string, unknown>;
      return [a.line1, a.line2].filter((v): v is string => typeof v === 'string');
    });
    const needles = needlePattern([email, ...orders.map((o) => o.name), ...phones, ...phones.map((v) => v.replace(/[\s()-]/g, '')), ...streets]);

    const counts: ErasureCounts = { orders: 0, orderEvents: 0, webhookEvents: 0, notifications: 0, inAppNotificationsDeleted: 0, customerPreferencesDeleted: 0 };

    for (const o of orders) {
      const next = { email: erasedEmail, name: ERASED_NAME, phone: null, shipping_address: anonymiseAddress(o.shipping_address) };
      if (o.email === next.email && o.name === next.name && o.phone === null && same(o.shipping_address, next.shipping_address)) continue;
      await trx('orders')
        .where({ order_number: o.order_number })
        .update({ ...next, shipping_address: JSON.stringify(next.shipping_address), updated_at: trx.fn.now() });
      counts.orders += 1;
    }

    if (orderNumbers.length > 0) {
      const events: Array<{ id: number; data: unknown }> = await trx('order_events').whereIn('order_number', orderNumbers).select('id', 'data');
      for (const e of events) {
        const data = scrubJson(e.data, needles);
        if (same(data, e.data)) continue;
        await trx('order_events').where({ id: e.id }).update({ data: JSON.stringify(data) });
        counts.orderEvents += 1;
      }
    }

    counts.webhookEvents = await rewriteWebhookEvents(trx, orders, email, needles);
    counts.notifications = await rewriteNotifications(trx, orderNumbers, email, erasedEmail, phones, needles);

    const inApp = trx('in_app_notifications').whereRaw('lower(email) = ?', [email]).orWhere({ email: erasedEmail });
    if (orderNumbers.length > 0) inApp.orWhereIn('order_number', orderNumbers);
    counts.inAppNotificationsDeleted = await inApp.delete();
    counts.customerPreferencesDeleted = await trx('customer_preferences').whereRaw('lower(email) = ?', [email]).orWhere({ email: erasedEmail }).delete();
    // A verified-customer session is the e-mail itself; the orders' tokens and links would open what is left.
    await trx('customer_sessions').whereRaw('lower(email) = ?', [email]).delete();
    if (orderNumbers.length > 0) {
      await trx('order_access_tokens').whereIn('order_number', orderNumbers).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
      await trx('order_links').whereIn('order_number', orderNumbers).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    }

    const countOf = async (table: string): Promise<number> =>
      orderNumbers.length === 0 ? 0 : Number((await trx(table).whereIn('order_number', orderNumbers).count({ n: '*' }).first())?.n ?? 0);
    const kept = { payments: await countOf('payments'), refunds: await countOf('refunds'), stockLedger: await countOf('stock_ledger') };

    const [audit] = await trx('erasure_requests')
      .insert({ email_hash: emailHash, requested_by: p.requestedBy, counts: JSON.stringify({ ...counts, ordersFound: orders.length }) })
      .returning('id');

    return { erasureId: Number(audit.id), emailHash, erasedEmail, orders: orders.map((o) => ({ orderNumber: o.order_number, workflowId: o.workflow_id })), counts, kept };
  });
}

/**
 * Stripe's events about the customer's payments, found by order, by PaymentIntent, or by their e-mail anywhere
 * in the payload (a receipt_email on an event we could not tie to an order). The last is a scan of the table;
 * erasure is rare and an admin waits for it, so that is the right trade against an index on payload text.
 */
async function rewriteWebhookEvents(trx: Knex.Transaction, orders: OrderRow[], email: string, needles: RegExp | undefined): Promise<number> {
  const orderNumbers = orders.map((o) => o.order_number);
  const intents = [
    ...new Set([
      ...orders.map((o) => o.payment_intent_id).filter((v): v is string => Boolean(v)),
      ...((orderNumbers.length > 0 ? await trx('payments').whereIn('order_number', orderNumbers).pluck('payment_intent_id') : []) as string[]),
    ]),
  ];
  const query = trx('webhook_events').whereRaw('payload::text ilike ?', [likePattern(email)]);
  if (orderNumbers.length > 0) query.orWhereIn('order_number', orderNumbers);
  if (intents.length > 0) query.orWhereIn('payment_intent_id', intents);
  const rows: Array<{ event_id: string; payload: unknown; last_error: string | null }> = await query.forUpdate().select('event_id', 'payload', 'last_error');
  let changed = 0;
  for (const row of rows) {
    const payload = scrubJson(row.payload, needles);
    const lastError = row.last_error === null ? null : scrubText(row.last_error, needles);
    if (same(payload, row.payload) && lastError === row.last_error) continue;
    await trx('webhook_events').where({ event_id: row.event_id }).update({ payload: JSON.stringify(payload), last_error: lastError });
    changed += 1;
  }
  return changed;
}

/** The record of every message we sent them: kept (it proves what we told whom and when), minus who "whom" was. */
async function rewriteNotifications(trx: Knex.Transaction, orderNumbers: string[], email: string, erasedEmail: string, phones: string[], needles: RegExp | undefined): Promise<number> {
  const query = trx('notifications').whereRaw('lower(recipient) = ?', [email]);
  if (orderNumbers.length > 0) query.orWhereIn('order_number', orderNumbers);
  if (phones.length > 0) query.orWhereIn('recipient', phones);
  const rows: Array<{ id: number; channel: string; recipient: string; payload: unknown; last_error: string | null }> = await query.forUpdate().select('id', 'channel', 'recipient', 'payload', 'last_error');
  const phoneSet = new Set(phones);
  let changed = 0;
  for (const row of rows) {
    const customers = row.recipient.toLowerCase() === email || phoneSet.has(row.recipient);
    const recipient = customers ? (row.channel === 'sms' ? ERASED_TEXT : erasedEmail) : scrubText(row.recipient, needles);
    const payload = scrubJson(row.payload, needles);
    const lastError = row.last_error === null ? null : scrubText(row.last_error, needles);
    if (recipient === row.recipient && same(payload, row.payload) && lastError === row.last_error) continue;
    await trx('notifications').where({ id: row.id }).update({ recipient, payload: JSON.stringify(payload), last_error: lastError, updated_at: trx.fn.now() });
    changed += 1;
  }
  return changed;
}
