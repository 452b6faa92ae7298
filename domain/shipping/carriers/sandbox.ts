import { z } from 'zod';
import { describe, errorField, safeJson } from './trackingHttp';
import {
  CarrierRejectedError,
  CarrierUnavailableError,
  trackingStatusSchema,
  type Booking,
  type BookingRequest,
  type CarrierAdapter,
  type CarrierName,
  type TrackingInfo,
} from './carrier';

/** Talks to the sandbox carrier (services/sandboxCarrier/server.ts) over HTTP, like a real carrier. */

export interface SandboxCarrierAdapterOptions {
  baseUrl: string;
  timeoutMs?: number;
  /** Sent on every request; tests use it for `X-Sandbox-Fault`. */
  headers?: Record<string, string>;
  /** The carrier this adapter stands in for (dev without that carrier's credentials); bookings carry its name. */
  carrier?: CarrierName;
}

const bookingResponseSchema = z.object({
  trackingNumber: z.string().min(1),
  carrier: z.string().min(1),
  labelUrl: z.string().optional(),
  service: z.string().optional(),
  estimatedDelivery: z.string().optional(),
});

const trackingEventSchema = z.object({
  code: z.string(),
  status: trackingStatusSchema,
  description: z.string(),
  location: z.string().optional(),
  occurredAt: z.string(),
});

const trackingResponseSchema = z.object({
  trackingNumber: z.string(),
  status: trackingStatusSchema,
  estimatedDelivery: z.string().nullable().optional(),
  events: z.array(z.unknown()),
});

const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string().optional() }),
});

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface JsonResponse {
  status: number;
  body: unknown;
}

export class SandboxCarrierAdapter implements CarrierAdapter {
  readonly name: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly carrier?: CarrierName;

  constructor({ baseUrl, timeoutMs = 10_000, headers = {}, carrier }: SandboxCarrierAdapterOptions) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
    this.headers = headers;
    this.carrier = carrier;
    // Metrics and logs then tell a stand-in from the real carrier at a glance.
    this.name = carrier ? `sandbox-${carrier}` : 'sandbox';
  }

  async book(req: BookingRequest): Promise<Booking> {
    const res = await this.request('POST', '/v1/shipments', {
      headers: { 'Idempotency-Key': req.idempotencyKey },
      body: {
        reference: req.orderNumber,
        recipient: { name: req.recipientName, address: req.address },
        parcel: { weightGrams: req.weightGrams },
        carrier: req.carrier ?? this.carrier,
        service: req.service,
        direction: req.direction,
      },
    });
    const booked = readBody(bookingResponseSchema, res.body, 'booking');
    return {
      carrier: booked.carrier,
      trackingNumber: booked.trackingNumber,
      labelUrl: booked.labelUrl === undefined ? undefined : new URL(booked.labelUrl, `${this.baseUrl}/`).toString(),
      service: booked.service,
      estimatedDelivery: booked.estimatedDelivery,
    };
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    const res = await this.request('GET', `/v1/tracking/${encodeURIComponent(trackingNumber)}`);
    const info = readBody(trackingResponseSchema, res.body, 'tracking');
    const events = info.events.map((raw) => {
      const e = readBody(trackingEventSchema, raw, 'tracking event');
      return { status: e.status, occurredAt: e.occurredAt, description: e.description, location: e.location, raw };
    });
    return {
      trackingNumber: info.trackingNumber,
      status: info.status,
      events,
      estimatedDelivery: info.estimatedDelivery ?? undefined,
    };
  }

  async cancel(trackingNumber: string): Promise<void> {
    await this.request('POST', `/v1/shipments/${encodeURIComponent(trackingNumber)}/cancel`);
  }

  /** Resolves only for 2xx; every other outcome becomes one of the two carrier errors. */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    { headers = {}, body }: { headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<JsonResponse> {
    const what = `sandbox carrier ${method} ${path}`;
    let res: Response;
    let parsedBody: unknown;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...this.headers,
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Read inside the try: the timeout also covers a body that stalls half way.
      const text = await res.text();
      parsedBody = text === '' ? undefined : safeJson(text);
    } catch (err) {
      const reason = errorField(err, 'name') === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : describe(err);
      throw new CarrierUnavailableError(`${what} failed: ${reason}`);
    }

    if (res.ok) return { status: res.status, body: parsedBody };

    const error = errorBodySchema.safeParse(parsedBody);
    const code = error.success ? error.data.error.code : `HTTP_${res.status}`;
    const message = `${what}: ${res.status} ${error.success && error.data.error.message ? error.data.error.message : code}`;
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      throw new CarrierUnavailableError(message, retryAfterMs(res.headers.get('retry-after')));
    }
    // Any other 4xx (422 rejected address, 404 unknown parcel, 409 too late, 400 bad data) repeats on retry.
    throw new CarrierRejectedError(message, code);
  }
}

function readBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    // A 2xx we cannot read is likely a proxy or a deploy in progress; a retry may well get a real answer.
    throw new CarrierUnavailableError(`sandbox carrier sent an unreadable ${what} response: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

