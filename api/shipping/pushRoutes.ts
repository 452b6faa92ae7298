import express, { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { TrackingPush } from '../../domain/shipping/carriers/carrier';
import { upsTrackAlertSchema } from '../../domain/shipping/carriers/upsTrackAlert';
import { secretsMatch } from '../../lib/secrets';
import { checkSandboxSignature, SANDBOX_SIGNATURE_HEADER, sandboxPushSchema } from '../../domain/shipping/carriers/sandboxPush';
import { sandboxPushSecret } from '../../lib/config';
import { logger } from '../../lib/logger';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { callTemporal, isWorkflowGone } from '../temporal';

/** The shipment workflow's signal for pushed tracking (workflows/shipping/definitions.ts defines it). */
export const TRACKING_PUSH_SIGNAL = 'trackingPush';

export type CarrierPushContext = Pick<ApiContext, 'config' | 'db' | 'temporal'>;

/**
 * Carriers that push tracking news signal the shipment's workflow directly, once verified:
 *
 *   POST /api/carriers/ups/track-alert    UPS Track Alert; `credential` header = UPS_WEBHOOK_CREDENTIAL
 *   POST /api/carriers/sandbox/events     the sandbox carrier; X-Sandbox-Signature over the raw body
 *
 * Answers: 200 signalled; 202 a tracking number we have no shipment for (ignored); 401 wrong or missing
 * credential, nothing read or changed; 400 naming the bad field; 409 the shipment's workflow is not running;
 * 503 Temporal unreachable (the carrier retries).
 *
 * Must be mounted before any JSON body parser: the sandbox's signature covers the exact bytes sent.
 */
export function createCarrierPushRoutes(ctx: CarrierPushContext): Router {
  const router = Router();
  const rawBody = express.raw({ type: () => true, limit: '256kb' });

  router.post('/api/carriers/ups/track-alert', rawBody, async (req, res) => {
    // Checked before the body is even parsed: an unauthenticated caller learns nothing about what we accept.
    if (!secretsMatch(req.get('credential'), ctx.config.UPS_WEBHOOK_CREDENTIAL)) {
      throw new HttpError(401, 'CREDENTIAL_INVALID', 'the credential header does not match the Track Alert subscription');
    }
    await signalShipment(ctx, 'ups', readPush(upsTrackAlertSchema, rawOf(req)), res);
  });

  router.post('/api/carriers/sandbox/events', rawBody, async (req, res) => {
    const body = rawOf(req);
    const signature = checkSandboxSignature(body, req.get(SANDBOX_SIGNATURE_HEADER), sandboxPushSecret(ctx.config));
    if (signature === 'stale') throw new HttpError(401, 'SIGNATURE_EXPIRED', `${SANDBOX_SIGNATURE_HEADER} was signed more than five minutes ago (or ahead): a replay is refused`);
    if (signature !== 'ok') throw new HttpError(401, 'SIGNATURE_INVALID', `${SANDBOX_SIGNATURE_HEADER} is missing or does not sign this body`);
    await signalShipment(ctx, 'sandbox', readPush(sandboxPushSchema, body), res);
  });

  return router;
}

function rawOf(req: Request): Buffer {
  // A JSON parser mounted ahead of this router would have consumed the bytes the signature covers.
  if (!Buffer.isBuffer(req.body)) throw new Error('carrier push routes must be mounted before any body parser');
  return req.body;
}

function readPush(schema: z.ZodType<TrackingPush>, body: Buffer): TrackingPush {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'MALFORMED_JSON', 'the body is not valid JSON');
  }
  return parse(schema, json);
}

async function signalShipment(ctx: CarrierPushContext, source: 'ups' | 'sandbox', push: TrackingPush, res: Response): Promise<void> {
  const { trackingNumber } = push;
  // Newest first: should a number ever be reused, the latest parcel is the one the carrier is talking about.
  const row: { workflow_id: string } | undefined = await ctx.db('shipments').where({ tracking_number: trackingNumber }).orderBy('id', 'desc').first('workflow_id');
  if (!row) {
    // Carriers redeliver anything not answered 2xx. A number we never booked (another system's parcel, an
    // old subscription) stays unknown however often it comes, so it is acknowledged and dropped rather than
    // refused; polling still covers every parcel that is ours.
    logger.info({ source, trackingNumber }, 'carrier push for an unknown tracking number ignored');
    res.status(202).json({ received: true, ignored: true, reason: 'unknown tracking number' });
    return;
  }
  const workflowId = row.workflow_id;
  try {
    await callTemporal(ctx.temporal, 'carrier push', () => ctx.temporal.workflow.getHandle(workflowId).signal<[TrackingPush]>(TRACKING_PUSH_SIGNAL, push));
  } catch (err) {
    // The row says the parcel is ours but nothing is listening (closed early, or never started): a person has
    // to look, so the carrier gets an error that says exactly that rather than a silent acknowledgement.
    if (isWorkflowGone(err)) {
      logger.warn({ source, trackingNumber, workflowId }, 'carrier push for a shipment whose workflow is not running');
      throw new HttpError(409, 'SHIPMENT_WORKFLOW_NOT_FOUND', `shipment workflow not found: ${workflowId}`, { workflowId });
    }
    throw err;
  }
  logger.info({ source, trackingNumber, workflowId, events: push.events.length }, 'carrier push signalled');
  res.json({ received: true, workflowId });
}
