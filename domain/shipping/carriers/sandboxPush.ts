import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { trackingStatusSchema } from './carrier';
import { secretsMatch } from '../../../lib/secrets';
import { pushSchema } from './push';

/**
 * The sandbox carrier's push, a generic signed webhook in the sandbox's own tracking format, so dev and demos
 * can exercise push tracking the way a real carrier's webhook would:
 *
 *   POST /api/carriers/sandbox/events
 *     X-Sandbox-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>." + the exact body bytes, keyed with SANDBOX_PUSH_SECRET>
 *     { trackingNumber, events: [{ code?, status, description, location?, occurredAt }], estimatedDelivery? }
 *
 * `events` are shaped as GET /v1/tracking answers them (server.ts), oldest first. The signed timestamp
 * bounds replay: a push older (or newer) than SANDBOX_PUSH_TOLERANCE_MS is refused, so a captured push
 * cannot be sent again later to move a shipment back through old events.
 */

export const SANDBOX_SIGNATURE_HEADER = 'X-Sandbox-Signature';
export const SANDBOX_PUSH_TOLERANCE_MS = 5 * 60_000;

export function signSandboxPush(body: string | Buffer, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
  return `t=${timestampSeconds},sha256=${mac}`;
}

/** 'invalid' without a secret: an unconfigured receiver accepts nothing. */
export function checkSandboxSignature(body: Buffer, signature: string | undefined, secret: string | undefined, nowMs = Date.now()): 'ok' | 'invalid' | 'stale' {
  if (!secret) return 'invalid';
  const t = /^t=(\d{1,12}),sha256=[0-9a-f]{64}$/.exec(signature?.trim() ?? '')?.[1];
  if (t === undefined || !secretsMatch(signature?.trim(), signSandboxPush(body, secret, Number(t)))) return 'invalid';
  return Math.abs(nowMs - Number(t) * 1000) > SANDBOX_PUSH_TOLERANCE_MS ? 'stale' : 'ok';
}

export function sandboxSignatureValid(body: Buffer, signature: string | undefined, secret: string | undefined): boolean {
  return checkSandboxSignature(body, signature, secret) === 'ok';
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
