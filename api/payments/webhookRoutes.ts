import express, { Router } from 'express';
import type Stripe from 'stripe';
import { z } from 'zod';
import { unstorablePaths } from '../../lib/controlCharacters';
import { text } from '../../lib/text';
import { logger } from '../../lib/logger';
import { webhookEvents } from '../../lib/metrics';
import type { ApiContext } from '../context';
import { fieldProblems, HttpError, validationError } from '../errors';
import { isTemporalUnavailable } from '../temporal';
import { applyStripeEvent, type EventOutcome } from './stripeEvents';

/** What the route relies on in a verified event; the rest is Stripe's and kept as it came. */
const stripeEventSchema = z.looseObject({
  id: text({ min: 1, max: 255, required: 'is required: the Stripe event id' }),
  type: text({ min: 1, max: 255, required: 'is required: the Stripe event type' }),
  data: z.looseObject({ object: z.looseObject({}, { error: 'is required: the event object' }) }, { error: 'is required' }),
});

/**
 * A signature proves Stripe (or whoever holds our secret) sent it, not that it can be stored: PostgreSQL's
 * jsonb refuses \u0000 and lone surrogates, and an event without an id cannot be deduplicated.
 */
function assertStorable(event: unknown): void {
  const parsed = stripeEventSchema.safeParse(event);
  const problems = parsed.success ? [] : fieldProblems(parsed.error);
  for (const path of unstorablePaths(event).slice(0, 10)) problems.push({ field: path, message: 'must not contain \\u0000 or unpaired surrogates (PostgreSQL cannot store them)' });
  if (problems.length > 0) throw validationError(problems);
}

/**
 * Applies a recorded event and notes the outcome on its row. An outage leaves the row `failed` with the
 * error, and the caller answers 503 so Stripe (or an admin's replay) tries again.
 */
export async function processRecordedEvent(ctx: ApiContext, event: Stripe.Event): Promise<EventOutcome> {
  await ctx.db('webhook_events').where({ event_id: event.id }).increment('attempts', 1);
  try {
    const outcome = await applyStripeEvent(ctx, event);
    await ctx.db('webhook_events').where({ event_id: event.id }).update({
      status: outcome.status,
      order_number: outcome.orderNumber ?? null,
      payment_intent_id: outcome.paymentIntentId ?? null,
      last_error: outcome.status === 'ignored' ? outcome.detail : null,
      processed_at: ctx.db.fn.now(),
    });
    return outcome;
  } catch (err) {
    await ctx.db('webhook_events').where({ event_id: event.id }).update({ status: 'failed', last_error: (err as Error).message.slice(0, 2000) });
    if (isTemporalUnavailable(err)) throw new HttpError(503, 'ORDER_SYSTEM_UNAVAILABLE', 'event recorded; the order system is unreachable, please redeliver');
    throw err;
  }
}

export function webhookRoutes(ctx: ApiContext): Router {
  const router = Router();

  // The signature covers the exact bytes Stripe sent: this route must see the raw body, not parsed JSON.
  router.post('/api/webhooks/stripe', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const signature = req.header('Stripe-Signature');
    if (!signature) {
      webhookEvents.inc({ type: 'unknown', outcome: 'bad_signature' });
      throw new HttpError(400, 'SIGNATURE_MISSING', 'the Stripe-Signature header is required');
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event: Stripe.Event;
    try {
      event = ctx.stripe.webhooks.constructEvent(raw, signature, ctx.config.STRIPE_WEBHOOK_SECRET, 300);
    } catch (err) {
      webhookEvents.inc({ type: 'unknown', outcome: 'bad_signature' });
      throw new HttpError(400, 'SIGNATURE_INVALID', `Stripe-Signature: ${(err as Error).message}`);
    }
    try {
      assertStorable(event);
    } catch (err) {
      webhookEvents.inc({ type: 'unknown', outcome: 'invalid' });
      throw err;
    }

    const inserted = await ctx.db('webhook_events')
      .insert({ event_id: event.id, type: event.type, payload: JSON.stringify(event), status: 'received' })
      .onConflict('event_id')
      .ignore()
      .returning('event_id');
    if (inserted.length === 0) {
      const row = await ctx.db('webhook_events').where({ event_id: event.id }).first('status');
      if (row && row.status !== 'failed' && row.status !== 'received') {
        webhookEvents.inc({ type: event.type, outcome: 'duplicate' });
        res.json({ received: true, duplicate: true, status: row.status });
        return;
      }
    }
    const outcome = await processRecordedEvent(ctx, event).catch((err: unknown) => {
      webhookEvents.inc({ type: event.type, outcome: 'failed' });
      throw err;
    });
    webhookEvents.inc({ type: event.type, outcome: outcome.status });
    if (outcome.orderNumber) res.locals.orderId = outcome.orderNumber;
    logger.info({ stripeEventId: event.id, type: event.type, orderId: outcome.orderNumber, outcome: outcome.status }, 'stripe webhook');
    res.json({ received: true, duplicate: false, status: outcome.status, detail: outcome.detail });
  });

  return router;
}
