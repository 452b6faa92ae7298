import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { trackingStatusSchema } from '../carrier';
import { pushSchema, secretsMatch } from '../push';

/**
 * The sandbox carrier's push, a generic signed webhook in the sandbox's own tracking format, so dev and demos
 * can exercise push tracking the way a real carrier's webhook would:
 *
 *   POST /api/carriers/sandbox/events
 *     X-Sandbox-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with SANDBOX_PUSH_SECRET>
 *     { trackingNumber, events: [{ code?, status, description, location?, occurredAt }], estimatedDelivery? }
 *
 * `events` are shaped as GET /v1/tracking answers them (server.ts), oldest first. There is no timestamp in the
 * signature: replaying a push only repeats events the shipment already has, which it keeps once.
 */

export const SANDBOX_SIGNATURE_HEADER = 'X-Sandbox-Signature';

export function signSandboxPush(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** False without a secret: an unconfigured receiver accepts nothing. */
export function sandboxSignatureValid(body: Buffer, signature: string | undefined, secret: string | undefined): boolean {
  if (!secret) return false;
  return secretsMatch(signature?.trim(), signSandboxPush(body, secret));
}

const eventSchema = z.object({
  code: z.string().optional(),
  status: trackingStatusSchema,
  description: z.string('is required').trim().min(1, 'is required').max(500),
  location: z.string().trim().max(200).optional(),
  occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
});

const sandboxPushShape = z.object({
  // The sandbox issues upper-case numbers; a hand-written push may not.
  trackingNumber: z
    .string('is required')
    .trim()
    .min(1, 'is required')
    .max(64, 'is too long')
    .transform((s) => s.toUpperCase()),
  events: z.array(eventSchema, 'must be a list of events').min(1, 'must hold at least one event').max(100, 'must hold at most 100 events'),
  estimatedDelivery: z.union([z.iso.datetime({ offset: true }), z.iso.date()], 'must be an ISO 8601 date or date-time').nullish(),
});

export const sandboxPushSchema = pushSchema(sandboxPushShape, (push, raw) => {
  const rawEvents = (raw as { events: unknown[] }).events;
  const events = push.events
    .map((e, i) => ({ status: e.status, occurredAt: new Date(e.occurredAt).toISOString(), description: e.description, location: e.location, raw: rawEvents[i] }))
    // Oldest first, as TrackingInfo promises; a stable sort keeps the sender's order for equal times.
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  return { trackingNumber: push.trackingNumber, events, estimatedDelivery: push.estimatedDelivery ?? undefined };
});
