import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';
import { z } from 'zod';
import { type Config, devTestPaymentsEnabled, stripeUsesMock } from '../../lib/config';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { trackingToken } from '../orders/identifiers';
import { emailSchema, orderIdSchema } from '../schemas';

export const trackingLookupSchema = z
  .object({
    orderId: z.string({ error: 'is required' }).trim().toUpperCase().pipe(orderIdSchema),
    email: emailSchema,
  })
  .strict();

/** Every answer of the finder takes at least this long, so a database miss is not faster than a mismatch. */
const LOOKUP_FLOOR_MS = 250;

/** How the checkout page takes payment: Stripe's Payment Element, the dev test panel, or not at all. */
export function paymentMode(config: Config): { mode: 'stripe' | 'test' | 'none'; publishableKey?: string } {
  if (config.STRIPE_PUBLISHABLE_KEY && !stripeUsesMock(config)) return { mode: 'stripe', publishableKey: config.STRIPE_PUBLISHABLE_KEY };
  if (devTestPaymentsEnabled(config)) return { mode: 'test' };
  return { mode: 'none' };
}

export function storefrontRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** What the pages need to know about this deployment; nothing secret. */
  router.get('/api/storefront/config', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ currency: 'GBP', payments: paymentMode(ctx.config) });
  });

  /**
   * The order finder: order number + e-mail → the tracking token. Any wrong pair (no such order, another
   * customer's e-mail) gets the same 404 with the same body after the same work (one indexed read, one HMAC
   * comparison) and the same floor on the response time. Rate-limited per address (RATE_LIMIT_ORDER_FIND).
   */
  router.post('/api/tracking/lookup', async (req, res) => {
    const started = Date.now();
    const body = parse(trackingLookupSchema, req.body ?? {});
    const order = await ctx.db('orders').where({ order_number: body.orderId }).first('email');
    // Compared as keyed digests: equal lengths for timingSafeEqual, and no early exit on the first differing byte.
    const digest = (s: string) => createHmac('sha256', ctx.config.TRACKING_TOKEN_SECRET).update(`lookup:${s}`).digest();
    const matches = timingSafeEqual(digest(String(order?.email ?? '').toLowerCase()), digest(body.email)) && order !== undefined;
    const wait = LOOKUP_FLOOR_MS - (Date.now() - started);
    if (wait > 0) await sleep(wait);
    res.set('Cache-Control', 'no-store');
    if (!matches) throw new HttpError(404, 'ORDER_NOT_FOUND', 'no order matches that order number and e-mail');
    const token = trackingToken(ctx.config.TRACKING_TOKEN_SECRET, body.orderId);
    res.json({ orderId: body.orderId, trackingToken: token, url: `/orders/${encodeURIComponent(body.orderId)}?token=${encodeURIComponent(token)}` });
  });

  return router;
}
