import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';
import { z } from 'zod';
import { type Config, devTestPaymentsEnabled, stripeUsesMock } from '../../lib/config';
import type { ApiContext } from '../context';
import { parse } from '../errors';
import { sameEmail } from '../orders/access';
import { startAccessLinkInBackground } from '../orders/accessRoutes';
import { emailSchema, orderIdSchema } from '../schemas';

export const trackingLookupSchema = z
  .object({
    orderId: z.string({ error: 'is required' }).trim().toUpperCase().pipe(orderIdSchema),
    email: emailSchema,
  })
  .strict();

/** Every answer of the finder takes at least this long, so a database miss is not faster than a mismatch. */
const LOOKUP_FLOOR_MS = 250;

/** One answer for every pair, right or wrong: it says what happens if the pair is right, never whether it is. */
export const FINDER_ANSWER = 'If that order number and e-mail address belong together, we have e-mailed a link to the order to that address. It works once, for 15 minutes.';

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
   * The order finder: order number + e-mail → a one-time link mailed to the address on the order, never a
   * token in the answer (knowing someone's e-mail and order number must not open their order). A match and
   * any wrong pair (no such order, another e-mail) get the same 202 with the same body after the same work (one
   * indexed read, one HMAC comparison) and the same floor on the response time; the mail is sent by a workflow
   * started in the background, so its cost does not show in the answer. Rate-limited per address
   * (RATE_LIMIT_ORDER_FIND).
   */
  router.post('/api/tracking/lookup', async (req, res) => {
    const started = Date.now();
    const body = parse(trackingLookupSchema, req.body ?? {});
    const order = await ctx.db('orders').where({ order_number: body.orderId }).first('email');
    const matches = sameEmail(ctx.config, String(order?.email ?? ''), body.email) && order !== undefined;
    if (matches) startAccessLinkInBackground(ctx, body.orderId);
    const wait = LOOKUP_FLOOR_MS - (Date.now() - started);
    if (wait > 0) await sleep(wait);
    res.set('Cache-Control', 'no-store').status(202).json({ message: FINDER_ANSWER });
  });

  return router;
}
