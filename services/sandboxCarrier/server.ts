/**
 * Sandbox carrier: a local HTTP service that behaves like a parcel carrier in dev and tests.
 *
 * Wire format (ours; JSON in and out, errors always `{ error: { code, message, ... } }`):
 *
 *   POST /v1/shipments                       book a parcel
 *     headers  Idempotency-Key: <string>     required; the same key returns the same shipment
 *     body     { reference, recipient: { name, address: { line1, line2?, city, postcode, country } },
 *                parcel: { weightGrams },
 *                carrier?: 'royal-mail' | 'dpd' | 'fedex' | 'ups' | 'dhl',   the carrier to stand in for
 *                service?: string,                                            echoed back; default 'standard'
 *                direction?: 'outbound' | 'return' }
 *              For a return, `recipient` is the customer the parcel comes from; it goes to the warehouse.
 *     201      { trackingNumber, carrier: <the carrier asked for> | 'sandbox', service: <asked> | 'standard',
 *                direction, labelUrl: '/v1/shipments/<tn>/label', bookedAt, estimatedDelivery }
 *     400      { error: { code: 'VALIDATION', message, fields: [{ path, message }] } }
 *              { error: { code: 'IDEMPOTENCY_KEY_REQUIRED' | 'INVALID_JSON', message } }
 *     409      { error: { code: 'IDEMPOTENCY_KEY_REUSED', message } }   same key, different shipment
 *     422      { error: { code: 'ADDRESS_REJECTED', message } }          outbound only
 *
 *   GET /v1/tracking/:trackingNumber
 *     200      { trackingNumber, status, estimatedDelivery: string | null, cancelledAt?: string,
 *                events: [{ code, status, description, location, occurredAt }] }   oldest first
 *              `code` is the sandbox's own (LP PU IT DY OD AT DL EX RS); `status` is our TrackingStatus.
 *     404      { error: { code: 'UNKNOWN_TRACKING_NUMBER', message } }
 *
 *   POST /v1/shipments/:trackingNumber/cancel
 *     200      { trackingNumber, cancelled: true, cancelledAt }   also when already cancelled
 *     409      { error: { code: 'ALREADY_PICKED_UP', message } }
 *     404      { error: { code: 'UNKNOWN_TRACKING_NUMBER', message } }
 *
 *   GET /v1/shipments/:trackingNumber/label  200 text/plain label
 *   GET /healthz                             200 { ok: true }
 *
 * Fault injection, for tests of our retry handling: a request carrying `X-Sandbox-Fault: 503`
 * (or `429`, which adds `Retry-After: 1`) is answered with that status instead of being handled —
 * once: an identical retry (same method, URL, Idempotency-Key and fault) goes through, as a
 * transient carrier fault would.
 *
 * Journeys are chosen from the address, and a return always takes the happy path (see scenarios.ts).
 * Tracking is stateless — everything is in the tracking number. Only idempotency keys, cancellations
 * and what a label prints live in memory, so a restart forgets them: a re-sent key then books a new
 * tracking number, and a cancelled parcel resumes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { addressSchema, carrierNameSchema } from '../../domain/shipping/carriers/carrier';
import {
  outcomeForBooking,
  parseTrackingNumber,
  progressAt,
  promisedDelivery,
  trackingNumberFor,
  type ParsedTrackingNumber,
} from './scenarios';

export interface SandboxCarrierOptions {
  /** Time between consecutive tracking events of a journey. */
  stepMs: number;
  /** Injectable clock (epoch ms) so tests can move a parcel along without waiting. */
  now?: () => number;
}

const bookingSchema = z.object({
  reference: z.string().trim().min(1, 'is required').max(100),
  recipient: z.object({
    name: z.string().trim().min(1, 'is required').max(200),
    address: addressSchema,
  }),
  parcel: z.object({
    // Grams as an integer; 30 kg is the usual limit for a standard parcel service.
    weightGrams: z.number().int('must be whole grams').positive('must be positive').max(30_000, 'must be at most 30000 (30 kg)'),
  }),
  carrier: carrierNameSchema.optional(),
  service: z.string().trim().min(1, 'must not be empty').max(50).optional(),
  direction: z.enum(['outbound', 'return']).optional(),
});

interface BookedShipment {
  fingerprint: string;
  trackingNumber: string;
  bookedAt: number;
  recipientName: string;
  reference: string;
  address: z.infer<typeof addressSchema>;
  carrier: string;
  service: string;
  direction: 'outbound' | 'return';
}

const FAULTS = new Set(['429', '503']);
// Bounds the memory of one-off faults in a long-running dev sandbox; forgetting only means a fault repeats.
const MAX_REMEMBERED_FAULTS = 10_000;

function sendError(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error: { code, message, ...extra } });
}

export function createSandboxCarrierApp({ stepMs, now = Date.now }: SandboxCarrierOptions): express.Express {
  if (!Number.isFinite(stepMs) || stepMs <= 0) throw new Error(`stepMs must be a positive number, got ${stepMs}`);

  const byKey = new Map<string, BookedShipment>();
  const byTrackingNumber = new Map<string, BookedShipment>();
  const cancelledAt = new Map<string, number>();
  const faultsServed = new Set<string>();

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  app.use((req, res, next) => {
    const fault = req.get('X-Sandbox-Fault')?.trim();
    if (!fault || !FAULTS.has(fault)) return next();
    const signature = [fault, req.method, req.originalUrl, req.get('Idempotency-Key') ?? ''].join(' ');
    if (faultsServed.has(signature)) return next();
    if (faultsServed.size >= MAX_REMEMBERED_FAULTS) faultsServed.clear();
    faultsServed.add(signature);
    if (fault === '429') {
      res.set('Retry-After', '1');
      return sendError(res, 429, 'RATE_LIMITED', 'Too many requests (injected by X-Sandbox-Fault)');
    }
    sendError(res, 503, 'UNAVAILABLE', 'Service unavailable (injected by X-Sandbox-Fault)');
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  app.post('/v1/shipments', (req, res) => {
    const key = req.get('Idempotency-Key')?.trim();
    if (!key) return sendError(res, 400, 'IDEMPOTENCY_KEY_REQUIRED', 'The Idempotency-Key header is required');
    if (key.length > 255) return sendError(res, 400, 'VALIDATION', 'Idempotency-Key is too long', { fields: [{ path: 'Idempotency-Key', message: 'must be at most 255 characters' }] });

    const parsed = bookingSchema.safeParse(req.body);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
      return sendError(res, 400, 'VALIDATION', fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
    }
    const body = parsed.data;

    const fingerprint = JSON.stringify(body);
    let shipment = byKey.get(key);
    if (shipment && shipment.fingerprint !== fingerprint) {
      return sendError(res, 409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different shipment');
    }
    if (!shipment) {
      const direction = body.direction ?? 'outbound';
      const outcome = outcomeForBooking(body.recipient.address, direction);
      if (outcome === 'rejected') {
        return sendError(res, 422, 'ADDRESS_REJECTED', 'The carrier cannot deliver to this address');
      }
      const bookedAt = now();
      shipment = {
        fingerprint,
        trackingNumber: trackingNumberFor(outcome, bookedAt, key),
        bookedAt,
        recipientName: body.recipient.name,
        reference: body.reference,
        address: body.recipient.address,
        // Standing in for the store's chosen carrier lets dev and demos run every carrier's order path.
        carrier: body.carrier ?? 'sandbox',
        service: body.service ?? 'standard',
        direction,
      };
      byKey.set(key, shipment);
      byTrackingNumber.set(shipment.trackingNumber, shipment);
    }
    const { scenario } = parseTrackingNumber(shipment.trackingNumber) as ParsedTrackingNumber;
    res.status(201).json({
      trackingNumber: shipment.trackingNumber,
      carrier: shipment.carrier,
      service: shipment.service,
      direction: shipment.direction,
      labelUrl: `/v1/shipments/${shipment.trackingNumber}/label`,
      bookedAt: new Date(shipment.bookedAt).toISOString(),
      estimatedDelivery: new Date(promisedDelivery(scenario, shipment.bookedAt, stepMs)).toISOString(),
    });
  });

  function parcelOr404(req: Request<{ trackingNumber: string }>, res: Response): ParsedTrackingNumber | undefined {
    const parsed = parseTrackingNumber(req.params.trackingNumber);
    if (!parsed) sendError(res, 404, 'UNKNOWN_TRACKING_NUMBER', `No shipment with tracking number ${req.params.trackingNumber}`);
    return parsed;
  }

  app.get('/v1/tracking/:trackingNumber', (req, res) => {
    const parcel = parcelOr404(req, res);
    if (!parcel) return;
    const cancelled = cancelledAt.get(parcel.trackingNumber);
    // A cancelled parcel never left the warehouse, so its journey stops at the label.
    const progress = progressAt(parcel, stepMs, cancelled ?? now());
    const estimate = cancelled === undefined ? progress.estimatedDelivery : undefined;
    res.json({
      trackingNumber: parcel.trackingNumber,
      status: progress.status,
      estimatedDelivery: estimate === undefined ? null : new Date(estimate).toISOString(),
      ...(cancelled === undefined ? {} : { cancelledAt: new Date(cancelled).toISOString() }),
      events: progress.happened.map((s) => ({
        code: s.code,
        status: s.status,
        description: s.description,
        location: s.location,
        occurredAt: new Date(s.at).toISOString(),
      })),
    });
  });

  app.post('/v1/shipments/:trackingNumber/cancel', (req, res) => {
    const parcel = parcelOr404(req, res);
    if (!parcel) return;
    const at = cancelledAt.get(parcel.trackingNumber) ?? now();
    if (!cancelledAt.has(parcel.trackingNumber)) {
      const { status } = progressAt(parcel, stepMs, at);
      if (status !== 'LABEL_PURCHASED') {
        return sendError(res, 409, 'ALREADY_PICKED_UP', 'The parcel has already been collected and can no longer be cancelled');
      }
      cancelledAt.set(parcel.trackingNumber, at);
    }
    res.json({ trackingNumber: parcel.trackingNumber, cancelled: true, cancelledAt: new Date(at).toISOString() });
  });

  app.get('/v1/shipments/:trackingNumber/label', (req, res) => {
    const parcel = parcelOr404(req, res);
    if (!parcel) return;
    // Recipient details survive only in this process's memory; the label still works without them.
    const shipment = byTrackingNumber.get(parcel.trackingNumber);
    const customer = shipment
      ? [
          shipment.recipientName,
          shipment.address.line1,
          ...(shipment.address.line2 ? [shipment.address.line2] : []),
          `${shipment.address.city} ${shipment.address.postcode}`,
          shipment.address.country,
        ]
      : [];
    const addressed = (label: string, lines: string[]) => lines.map((line, i) => `${i === 0 ? label : ''.padEnd(label.length)}${line}`);
    const lines = [
      `SANDBOX CARRIER — ${(shipment ? `${shipment.carrier} ${shipment.service}` : 'standard').toUpperCase()} — NOT A REAL LABEL`,
      `Tracking: ${parcel.trackingNumber}`,
      `Booked:   ${new Date(parcel.bookedAt).toISOString()}`,
      ...(shipment ? [`Ref:      ${shipment.reference}`] : []),
      // A return label is addressed to the warehouse; the customer is who it comes from.
      ...(shipment?.direction === 'return'
        ? [...addressed('From:     ', customer), ...addressed('To:       ', ['DY Official Returns', 'DY Warehouse, Leicester'])]
        : addressed('To:       ', customer)),
      ...(cancelledAt.has(parcel.trackingNumber) ? ['*** VOID — SHIPMENT CANCELLED ***'] : []),
    ];
    res.type('text/plain').send(`${lines.join('\n')}\n`);
  });

  app.use((_req, res) => {
    sendError(res, 404, 'NOT_FOUND', 'No such endpoint');
  });

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const type = typeof err === 'object' && err !== null && 'type' in err ? (err as { type: unknown }).type : undefined;
    if (type === 'entity.parse.failed') return sendError(res, 400, 'INVALID_JSON', 'The request body is not valid JSON');
    if (type === 'entity.too.large') return sendError(res, 413, 'TOO_LARGE', 'The request body is too large');
    sendError(res, 500, 'INTERNAL', err instanceof Error ? err.message : 'Internal error');
  };
  app.use(onError);

  return app;
}

export interface StartSandboxCarrierOptions extends SandboxCarrierOptions {
  /** 0 picks a free port; the real one is in the returned url. */
  port: number;
  host?: string;
}

export interface RunningSandboxCarrier {
  url: string;
  close(): Promise<void>;
}

export async function startSandboxCarrier({ port, host = '127.0.0.1', stepMs, now }: StartSandboxCarrierOptions): Promise<RunningSandboxCarrier> {
  const server = http.createServer(createSandboxCarrierApp({ stepMs, now }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: actualPort } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
