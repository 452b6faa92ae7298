import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Db } from '../../db/connection';
import { type Config, msOf } from '../../lib/config';
import type { ApiContext } from '../context';
import { HttpError } from '../errors';
import { type OrderResponse, readModelOrder } from './orderView';

/**
 * Who may see and change one order (issue 10: access by order, not by e-mail).
 *
 * A customer holds one of: a tracking token (random, answered by checkout, stored only as its SHA-256), or the
 * order session cookie a token or a link was exchanged for on the order page. Either opens its own order and
 * nothing else. Changes (cancel, returns) also need a recent proof that the holder is the customer: a session
 * that came from a one-time link within ORDER_PROOF_WINDOW, or the order's e-mail typed again.
 */

export const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** 256 random bits, base64url: unguessable, and safe in a URL or a cookie without quoting. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** Everything we hand out has this shape; anything else is not worth a database read. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const NOT_FOUND = () => new HttpError(404, 'ORDER_NOT_FOUND', 'no order with that number and token');

const later = (config: Config, setting: 'ORDER_TOKEN_TTL' | 'ORDER_SESSION_TTL' | 'ORDER_PROOF_WINDOW' | 'CUSTOMER_SESSION_TTL') => new Date(Date.now() + msOf(config[setting]));

/** A new tracking token for the order; each call adds one, earlier ones stay valid until they expire or are revoked. */
export async function issueOrderToken(db: Db, config: Config, orderNumber: string): Promise<string> {
  const token = newSecret();
  await db('order_access_tokens').insert({ order_number: orderNumber, token_hash: sha256(token), kind: 'token', expires_at: later(config, 'ORDER_TOKEN_TTL') });
  return token;
}

export type SessionSource = 'token' | 'link' | 'message';

/** The cookie's secret for an order session; with proof when it came from a one-time link. */
export async function createOrderSession(db: Db, config: Config, orderNumber: string, source: SessionSource): Promise<string> {
  const secret = newSecret();
  await db('order_access_tokens').insert({
    order_number: orderNumber,
    token_hash: sha256(secret),
    kind: 'session',
    source,
    proof_until: source === 'link' ? later(config, 'ORDER_PROOF_WINDOW') : null,
    expires_at: later(config, 'ORDER_SESSION_TTL'),
  });
  return secret;
}

interface Credential {
  kind: 'token' | 'session';
  proof_until: Date | null;
}

/** One indexed lookup by hash: a wrong secret costs the same as a right one, whatever its bytes. */
export async function findOrderCredential(db: Db, orderNumber: string, secret: string): Promise<Credential | undefined> {
  if (!SECRET_PATTERN.test(secret)) return undefined;
  return db('order_access_tokens')
    .where({ token_hash: sha256(secret), order_number: orderNumber })
    .whereNull('revoked_at')
    .where('expires_at', '>', db.fn.now())
    .first('kind', 'proof_until');
}

/** Staff revoking an order's access: every token, session and link not yet used stops working at once. */
export async function revokeOrderAccess(db: Db, orderNumber: string): Promise<{ tokens: number; sessions: number; links: number }> {
  return db.transaction(async (trx) => {
    const live = () => trx('order_access_tokens').where({ order_number: orderNumber }).whereNull('revoked_at');
    const tokens = await live().where({ kind: 'token' }).update({ revoked_at: trx.fn.now() });
    const sessions = await live().where({ kind: 'session' }).update({ revoked_at: trx.fn.now() });
    const links = await trx('order_links').where({ order_number: orderNumber }).whereNull('revoked_at').whereNull('used_at').update({ revoked_at: trx.fn.now() });
    return { tokens, sessions, links };
  });
}

// ---- cookies -------------------------------------------------------------------------------------------

/**
 * `__Secure-` in production (the browser then insists on Secure). Not `__Host-`: that prefix demands Path=/,
 * and these cookies are scoped to one order's paths, so a cookie never travels with another order's request.
 */
export const orderCookieName = (config: Config): string => (config.NODE_ENV === 'production' ? '__Secure-dy_order' : 'dy_order');
export const customerCookieName = (config: Config): string => (config.NODE_ENV === 'production' ? '__Secure-dy_customer' : 'dy_customer');

/** Every value of the named cookie (a browser sends one per matching path), well-formed ones only. */
export function cookieValues(req: Request, name: string): string[] {
  const header = req.headers.cookie;
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (SECRET_PATTERN.test(value)) values.push(value);
  }
  return values.slice(0, 4);
}

export const orderCookiePaths = (orderNumber: string): string[] => [`/orders/${encodeURIComponent(orderNumber)}`, `/api/orders/${encodeURIComponent(orderNumber)}`];

/**
 * Two cookies with the one secret: the page's path and the API's (the stream included). SameSite=Lax: a link
 * from an e-mail lands signed in, and no other site's form or fetch can carry it along on a POST.
 */
export function setOrderCookies(res: Response, config: Config, orderNumber: string, secret: string): void {
  for (const path of orderCookiePaths(orderNumber)) {
    res.cookie(orderCookieName(config), secret, { httpOnly: true, sameSite: 'lax', secure: config.NODE_ENV === 'production', path, maxAge: msOf(config.ORDER_SESSION_TTL) });
  }
}

export const CUSTOMER_COOKIE_PATH = '/api/customer';

export function setCustomerCookie(res: Response, config: Config, secret: string): void {
  res.cookie(customerCookieName(config), secret, { httpOnly: true, sameSite: 'lax', secure: config.NODE_ENV === 'production', path: CUSTOMER_COOKIE_PATH, maxAge: msOf(config.CUSTOMER_SESSION_TTL) });
}

// ---- verified customers --------------------------------------------------------------------------------

export async function createCustomerSession(db: Db, config: Config, email: string): Promise<string> {
  const secret = newSecret();
  await db('customer_sessions').insert({ email: email.trim().toLowerCase(), token_hash: sha256(secret), expires_at: later(config, 'CUSTOMER_SESSION_TTL') });
  return secret;
}

const VERIFICATION_REQUIRED = () =>
  new HttpError(403, 'VERIFICATION_REQUIRED', 'this is kept per e-mail address: open the link we e-mail you (ask for one on your order page or with the order finder) to prove the address is yours');

/** The e-mail address a one-time link proved, from the dy_customer cookie; refused without one. */
export async function verifiedCustomer(ctx: ApiContext, req: Request): Promise<{ email: string }> {
  for (const secret of cookieValues(req, customerCookieName(ctx.config))) {
    const row = await ctx.db('customer_sessions').where({ token_hash: sha256(secret) }).whereNull('revoked_at').where('expires_at', '>', ctx.db.fn.now()).first('email');
    if (row) return { email: row.email };
  }
  throw VERIFICATION_REQUIRED();
}

// ---- the one check every customer order route makes ----------------------------------------------------

export interface AuthorisedOrder {
  orderNumber: string;
  stored: Omit<OrderResponse, 'timeline'>;
  /** Whether the credential itself is a recent proof (a session from a one-time link): changes need no e-mail then. */
  proof: boolean;
}

/** A cross-site request never changes an order with a cookie, for browsers that say where a request came from. */
function assertSameSite(req: Request): void {
  const site = req.header('Sec-Fetch-Site');
  if (site && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'CROSS_SITE', `a ${site} request cannot change an order`);
}

/** Compared as keyed digests: equal lengths for timingSafeEqual, and no early exit on the first differing byte. */
export function sameEmail(config: Config, a: string, b: string): boolean {
  const digest = (s: string) => createHmac('sha256', config.TRACKING_TOKEN_SECRET).update(`email:${s.trim().toLowerCase()}`).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Authorises a request on one order: the token (X-Tracking-Token, or `?token=` for API clients) or the order
 * session cookie. A wrong or revoked credential answers exactly like a missing order. With `write`, the request
 * must also carry a recent proof (see above) or gets 403 PROOF_REQUIRED naming `email`.
 */
export async function authoriseOrder(ctx: ApiContext, req: Request, opts: { write?: boolean; orderNumber?: string } = {}): Promise<AuthorisedOrder> {
  const orderNumber = opts.orderNumber ?? String(req.params.orderId);
  const query = typeof req.query.token === 'string' ? req.query.token : undefined;
  const given = [req.header('X-Tracking-Token'), query].filter((t): t is string => typeof t === 'string' && t !== '');
  const cookies = cookieValues(req, orderCookieName(ctx.config));
  let credential: Credential | undefined;
  let byCookie = false;
  for (const secret of [...given, ...cookies].slice(0, 6)) {
    credential = await findOrderCredential(ctx.db, orderNumber, secret);
    if (credential) {
      byCookie = !given.includes(secret);
      break;
    }
  }
  if (!credential) throw NOT_FOUND();
  const stored = await readModelOrder(ctx.db, orderNumber);
  if (!stored) throw NOT_FOUND();
  const proof = credential.proof_until !== null && new Date(credential.proof_until).getTime() > Date.now();
  if (!opts.write) return { orderNumber, stored, proof };

  if (byCookie) assertSameSite(req);
  if (proof) return { orderNumber, stored, proof };
  const typed = (req.body as { email?: unknown } | undefined)?.email;
  if (typeof typed === 'string' && typed.length <= 254 && sameEmail(ctx.config, typed, String(stored.email ?? ''))) return { orderNumber, stored, proof: true };
  throw new HttpError(403, 'PROOF_REQUIRED', 'to change this order, type the e-mail address it was placed with again (or open the link we e-mail you)', {
    fields: [{ field: 'email', message: typed === undefined ? 'is required to change this order: the e-mail address the order was placed with' : 'is not the e-mail address this order was placed with' }],
  });
}
