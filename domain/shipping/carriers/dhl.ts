import { z } from 'zod';
import type { Config } from '../../../lib/config';
import { CarrierRejectedError, CarrierUnavailableError, type TrackingInfo, type TrackingStatus } from './carrier';
import type { CarrierTracker } from './royalMail';
import { carrierFailure, getFromCarrier, oldestFirst, readCarrierBody, statusFromText, toEstimate, toInstant, withStatuses, type CarrierResponse, type ReadEvent } from './trackingHttp';

/**
 * DHL Shipment Tracking - Unified (developer.dhl.com/api-reference/shipment-tracking):
 *
 *   GET {base}/track/shipments?trackingNumber=<n>[&service=express|parcel-de|ecommerce|...]
 *     DHL-API-Key: <consumer key>
 *   200  { shipments: [{ id, service, status { timestamp, location { address { addressLocality } },
 *                        statusCode, status, description }, events [same shape], estimatedTimeOfDelivery }] }
 *        statusCode is one of pre-transit, transit, delivered, failure, unknown; events newest first.
 *   404  application/problem+json { title, status, detail: "No shipment with given tracking number found." }
 *   429  over quota (the starter plan allows about 250 calls a day and 1 a second)
 *
 * There is no test environment; new shipments take 10-30 minutes to appear.
 */

export interface DhlTrackerOptions {
  baseUrl: string;
  apiKey: string;
  /**
   * DHL business unit to search. Without it DHL searches all of them and, when a number exists in more than
   * one, may answer for a different shipment than ours.
   */
  service?: string;
  timeoutMs?: number;
}

const RETURNED = /return(?:ed|ing)? to (?:the )?(?:sender|shipper)|being returned|back to (?:the )?(?:sender|shipper)/i;

/**
 * DHL's statusCode says only which phase the shipment is in; the words say which step, so within a phase the
 * description refines it. `unknown` (and a missing code) decides nothing: the previous event's status stands.
 */
export function dhlEventStatus(statusCode: string | undefined, text: string): TrackingStatus | undefined {
  switch (statusCode?.toLowerCase()) {
    case 'pre-transit':
      return 'CONFIRMED';
    case 'transit': {
      const refined = statusFromText(text);
      // Inside transit "delivered" wording is a promise or a redirect, not a delivery.
      return refined === undefined || refined === 'DELIVERED' ? 'IN_TRANSIT' : refined;
    }
    case 'delivered':
      return RETURNED.test(text) ? 'RETURNED_TO_SENDER' : 'DELIVERED';
    case 'failure':
      return RETURNED.test(text) ? 'RETURNED_TO_SENDER' : 'FAILURE';
    default:
      return statusFromText(text);
  }
}

const statusSchema = z.object({
  timestamp: z.string(),
  location: z.object({ address: z.object({ addressLocality: z.string().optional() }).partial().optional() }).partial().nullable().optional(),
  statusCode: z.string().optional(),
  status: z.string().optional(),
  description: z.string().optional(),
});

const shipmentSchema = z.object({
  id: z.union([z.string(), z.number()]),
  service: z.string().optional(),
  status: z.unknown().optional(),
  events: z.array(z.unknown()).optional(),
  estimatedTimeOfDelivery: z.string().nullable().optional(),
  estimatedDeliveryTimeFrame: z.object({ estimatedThrough: z.string().optional() }).partial().nullable().optional(),
});

const responseSchema = z.object({ shipments: z.array(z.unknown()).min(1) });

const problemSchema = z.object({ title: z.string().optional(), detail: z.string().optional(), status: z.union([z.number(), z.string()]).optional() });

interface DhlEvent extends ReadEvent {
  statusCode?: string;
  /** Everything DHL said in words: `status` is a short label on some services, `description` the sentence. */
  words: string;
}

export class DhlTracker implements CarrierTracker {
  readonly name = 'dhl';
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly service?: string;
  private readonly timeoutMs: number;

  constructor({ baseUrl, apiKey, service, timeoutMs = 10_000 }: DhlTrackerOptions) {
    if (!apiKey) throw new Error('DHL tracking needs DHL_API_KEY');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.service = service;
    this.timeoutMs = timeoutMs;
  }

  static fromConfig(config: Pick<Config, 'DHL_API_URL' | 'DHL_API_KEY'>, options: Omit<DhlTrackerOptions, 'baseUrl' | 'apiKey'> = {}): DhlTracker {
    return new DhlTracker({ baseUrl: config.DHL_API_URL, apiKey: config.DHL_API_KEY ?? '', ...options });
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    const number = trackingNumber.replace(/\s+/g, '');
    const query = new URLSearchParams({ trackingNumber: number });
    if (this.service) query.set('service', this.service);
    const what = 'DHL tracking';
    const res = await getFromCarrier(what, `${this.baseUrl}/track/shipments?${query}`, { headers: { 'DHL-API-Key': this.apiKey }, timeoutMs: this.timeoutMs });
    if (res.status < 200 || res.status >= 300) throw dhlFailure(what, res);

    const shipments = readCarrierBody(responseSchema, res.body, what).shipments.map((s) => readCarrierBody(shipmentSchema, s, `${what} shipment`));
    // A piece number or a number shared by two business units can bring back more than one shipment.
    const shipment = shipments.find((s) => String(s.id) === number) ?? shipments[0];

    const read = oldestFirst((shipment.events ?? []).map((raw) => readEvent(raw, what)));
    const events = withStatuses(read, (e) => dhlEventStatus(e.statusCode, e.words), 'CONFIRMED');
    return {
      trackingNumber,
      status: events.length > 0 ? events[events.length - 1].status : currentOnly(shipment.status),
      events,
      estimatedDelivery: toEstimate(shipment.estimatedTimeOfDelivery) ?? toEstimate(shipment.estimatedDeliveryTimeFrame?.estimatedThrough),
    };
  }
}

function readEvent(raw: unknown, what: string): DhlEvent {
  const e = readCarrierBody(statusSchema, raw, `${what} event`);
  // DHL sometimes omits the offset; without a stated zone UTC is the least surprising reading.
  const occurredAt = toInstant(e.timestamp);
  if (!occurredAt) throw new CarrierUnavailableError(`${what} sent an event with an unreadable time: ${e.timestamp}`);
  const description = [e.description, e.status].find((t) => t && t.trim())?.trim() ?? e.statusCode ?? '';
  const words = [e.status, e.description].filter(Boolean).join('. ');
  return { statusCode: e.statusCode, words, occurredAt, description, location: e.location?.address?.addressLocality || undefined, raw };
}

/** Some services answer with the current status and no history; it is the latest event in all but name. */
function currentOnly(status: unknown): TrackingStatus {
  const parsed = statusSchema.safeParse(status);
  if (!parsed.success) return 'CONFIRMED';
  return dhlEventStatus(parsed.data.statusCode, [parsed.data.status, parsed.data.description].filter(Boolean).join('. ')) ?? 'CONFIRMED';
}

function dhlFailure(what: string, res: CarrierResponse): CarrierRejectedError | CarrierUnavailableError {
  const parsed = problemSchema.safeParse(res.body);
  const message = parsed.success ? (parsed.data.detail ?? parsed.data.title) : undefined;
  // DHL also answers 404 for a wrong path, so only its own wording counts as "no such shipment".
  if (res.status === 404 && message && /no shipment|no result/i.test(message)) {
    return new CarrierRejectedError(`${what}: HTTP 404 ${message}`, 'UNKNOWN_TRACKING_NUMBER');
  }
  return carrierFailure(what, res, { message });
}
