import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { devTestPaymentsEnabled } from '../../lib/config';
import { logger } from '../../lib/logger';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { authoriseOrder } from '../orders/access';
import { orderIdSchema } from '../schemas';

export const testPaymentRequestSchema = z
  .object({
    orderId: orderIdSchema,
    outcome: z.enum(['succeed', 'decline'], { error: 'must be succeed or decline' }),
  })
  .strict();

/** The order page's form: the order is in the path, so the order's cookie (path /api/orders/<n>) reaches it. */
export const orderTestPaymentSchema = testPaymentRequestSchema.omit({ orderId: true });

const NOT_FOUND = () => new HttpError(404, 'ORDER_NOT_FOUND', 'no order with that number and token');

/** The decline a card test would give: Stripe's wording, so the pages show what customers would read. */
const DECLINE = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', type: 'card_error' };

/** The event Stripe would send for this intent, in the shape our webhook reads (api/payments/stripeEvents.ts). */
export function paymentEvent(order: { orderId: string; paymentIntentId: string; amountPence: number }, outcome: 'succeed' | 'decline') {
  const succeeded = outcome === 'succeed';
  return {
    id: `evt_test_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: '2025-01-27.acacia',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: succeeded ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
    data: {
      object: {
        id: order.paymentIntentId,
        object: 'payment_intent',
        amount: order.amountPence,
        amount_received: succeeded ? order.amountPence : 0,
        currency: 'gbp',
        status: succeeded ? 'succeeded' : 'requires_payment_method',
        metadata: { orderId: order.orderId },
        last_payment_error: succeeded ? null : DECLINE,
      },
    },
  };
}

/** Where this very server listens: the request came in on that socket, whatever PORT or a test chose. */
function ownWebhookUrl(req: Request): string {
  const address = req.socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${req.socket.localPort}/api/webhooks/stripe`;
}

/**
 * Dev and demo only (DEV_TEST_PAYMENTS; production refuses to start with it on, and the route is not even
 * mounted then). Pays or declines an order the way Stripe would tell us: the event is signed with the webhook
 * secret and posted to our own webhook route over HTTP, so signature checks, event recording and the
 * workflow signal all run exactly as for Stripe's delivery. The order's tracking token is required, so a
 * shared demo cannot be used to pay or decline someone else's order.
 */
export function testPaymentRoutes(ctx: ApiContext): Router {
  const router = Router();
  if (!devTestPaymentsEnabled(ctx.config)) return router;

  router.post('/api/dev/test-payments', async (req, res) => {
    const body = parse(testPaymentRequestSchema, req.body ?? {});
    await authoriseOrder(ctx, req, { orderNumber: body.orderId });
    await testPayment(req, res, body);
  });

  router.post('/api/orders/:orderId/test-payments', async (req, res) => {
    const { orderNumber } = await authoriseOrder(ctx, req);
    const body = parse(orderTestPaymentSchema, req.body ?? {});
    await testPayment(req, res, { orderId: orderNumber, outcome: body.outcome });
  });

  async function testPayment(req: Request, res: Response, body: z.infer<typeof testPaymentRequestSchema>): Promise<void> {
    const payment = await ctx.db('payments').where({ order_number: body.orderId }).orderBy('id', 'desc').first('payment_intent_id', 'amount_pence');
    if (!payment) throw NOT_FOUND();

    const event = paymentEvent({ orderId: body.orderId, paymentIntentId: payment.payment_intent_id, amountPence: payment.amount_pence }, body.outcome);
    const payload = JSON.stringify(event);
    const signature = ctx.stripe.webhooks.generateTestHeaderString({ payload, secret: ctx.config.STRIPE_WEBHOOK_SECRET });
    const delivery = await fetch(ownWebhookUrl(req), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature, 'X-Request-Id': String(req.headers['x-request-id'] ?? '') },
      body: payload,
      signal: AbortSignal.timeout(15_000),
    });
    const answer = (await delivery.json().catch(() => ({}))) as Record<string, unknown>;
    logger.info({ orderId: body.orderId, outcome: body.outcome, webhookStatus: delivery.status }, 'dev test payment sent');
    if (!delivery.ok) throw new HttpError(502, 'WEBHOOK_REFUSED', `our webhook answered ${delivery.status}`, { webhook: answer });
    res.status(202).json({ orderId: body.orderId, outcome: body.outcome, eventId: event.id, type: event.type, webhook: answer });
  }

  return router;
}
