import { z } from 'zod';
import type { Config } from '../../../lib/config';
import { CarrierRejectedError, CarrierUnavailableError, type TrackingInfo, type TrackingStatus } from './carrier';
import type { CarrierTracker } from './royalMail';
import { carrierFailure, getFromCarrier, oldestFirst, readCarrierBody, statusFromText, toInstant, withStatuses, type CarrierResponse, type ReadEvent } from './trackingHttp';

/**
 * DPD UK tracking. DPD UK publishes no public tracking API specification: this follows what its own tracking
 * site calls and what public open-source trackers use (e.g. the Parcel Tracker Android app,
 * dev.itsvic.parceltracker), so it can change without notice. The two calls:
 *
 *   GET {base}/v1/track?parcel=<parcel number>[&postcode=<postcode>]
 *     3xx  Location ends in the parcel code ("15501234567890*21358"): DPD's handle for one parcel
 *     200  { data: { parcelCode } } (or data: [{ parcelCode }]) where it answers in JSON instead
 *     404  unknown parcel number
 *   GET {base}/v1/parcels/{parcelCode}/parcelevents
 *     200  { data: [{ eventCode, eventDate: "YYYY-MM-DD HH:mm:ss" (UK time), eventText, eventLocation }] }, newest first
 *
 * The public endpoints take no credentials. `headers` exists for a gateway in front of them; a 401/403 from
 * either is mapped like any carrier's credential refusal.
 *
 * Postcode: CarrierAdapter.track() has only the tracking number, and DPD answers without a postcode, so the
 * tracking number stays the bare parcel number (the one on the label and in the customer's e-mail). Where a
 * postcode is to hand, `postcodeFor` supplies it (e.g. from the order's shipping address) and it is sent
 * along, which narrows the lookup when DPD has reused a parcel number.
 */

export interface DpdTrackerOptions {
  baseUrl: string;
  postcodeFor?: (trackingNumber: string) => Promise<string | undefined>;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * The codes public trackers have seen. Anything else (attempted deliveries, Pickup Shop, returns) is read
 * from the event's wording; DPD's returns are recognised from the wording whatever the code, because a
 * parcel "delivered" back to the sender is still a return to us.
 */
export const DPD_EVENT_STATUS: Readonly<Record<string, TrackingStatus>> = {
  '000': 'CONFIRMED', // pre-advice: DPD holds the parcel's data, not the parcel
  '009': 'IN_TRANSIT',
  '004': 'IN_TRANSIT', // at the delivery depot
  '015': 'OUT_FOR_DELIVERY',
  '001': 'DELIVERED',
};

export function dpdEventStatus(code: string | null | undefined, text: string): TrackingStatus | undefined {
  const fromText = statusFromText(text);
  if (fromText === 'RETURNED_TO_SENDER') return fromText;
  return (code ? DPD_EVENT_STATUS[code] : undefined) ?? fromText;
}

const eventSchema = z.object({
  eventCode: z.string().nullable().optional(),
  eventDate: z.string(),
  eventText: z.string().nullable().optional(),
  eventLocation: z.string().nullable().optional(),
});

const eventsResponseSchema = z.object({ data: z.array(z.unknown()) });

const parcelCodeSchema = z.object({ parcelCode: z.string().min(1) });
const trackJsonSchema = z.object({ data: z.union([parcelCodeSchema, z.array(parcelCodeSchema).min(1)]) });

const errorBodySchema = z.object({
  error: z.union([z.string(), z.object({ errorMessage: z.string().optional(), message: z.string().optional(), errorCode: z.union([z.string(), z.number()]).optional() })]),
});

export class DpdTracker implements CarrierTracker {
  readonly name = 'dpd';
  private readonly baseUrl: string;
  private readonly postcodeFor?: (trackingNumber: string) => Promise<string | undefined>;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor({ baseUrl, postcodeFor, headers = {}, timeoutMs = 10_000 }: DpdTrackerOptions) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.postcodeFor = postcodeFor;
    this.headers = headers;
    this.timeoutMs = timeoutMs;
  }

  static fromConfig(config: Pick<Config, 'DPD_API_URL'>, options: Omit<DpdTrackerOptions, 'baseUrl'> = {}): DpdTracker {
    return new DpdTracker({ baseUrl: config.DPD_API_URL, ...options });
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    const parcelCode = await this.parcelCode(trackingNumber);
    const what = 'DPD parcel events';
    const res = await getFromCarrier(what, `${this.baseUrl}/v1/parcels/${encodeURIComponent(parcelCode)}/parcelevents`, { headers: this.headers, timeoutMs: this.timeoutMs });
    if (res.status < 200 || res.status >= 300) throw dpdFailure(what, res);

    const read = oldestFirst(readCarrierBody(eventsResponseSchema, res.body, what).data.map((raw) => readEvent(raw, what)));
    const events = withStatuses(read, (e) => dpdEventStatus(e.code, e.description));
    return {
      trackingNumber,
      // A parcel DPD knows but has not scanned yet has its data and nothing else.
      status: events.length > 0 ? events[events.length - 1].status : 'CONFIRMED',
      events,
      // parcelevents carries no estimate; DPD's own one lives in free text on other endpoints.
      estimatedDelivery: undefined,
    };
  }

  private async parcelCode(trackingNumber: string): Promise<string> {
    const parcel = trackingNumber.replace(/\s+/g, '');
    const postcode = (await this.postcodeFor?.(trackingNumber))?.trim();
    const query = new URLSearchParams({ parcel });
    if (postcode) query.set('postcode', postcode);
    const what = 'DPD parcel lookup';
    // Manual: the redirect points at DPD's tracking web page, whose address is all we need from it.
    const res = await getFromCarrier(what, `${this.baseUrl}/v1/track?${query}`, { headers: this.headers, timeoutMs: this.timeoutMs, redirect: 'manual' });

    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      const code = location ? lastPathSegment(location, this.baseUrl) : undefined;
      if (!code) throw new CarrierUnavailableError(`${what}: HTTP ${res.status} without a usable Location`);
      return code;
    }
    if (res.status >= 200 && res.status < 300) {
      const data = readCarrierBody(trackJsonSchema, res.body, what).data;
      return Array.isArray(data) ? data[0].parcelCode : data.parcelCode;
    }
    throw dpdFailure(what, res);
  }
}

interface DpdEvent extends ReadEvent {
  code?: string;
}

function readEvent(raw: unknown, what: string): DpdEvent {
  const e = readCarrierBody(eventSchema, raw, `${what} event`);
  // DPD UK states no zone; its site shows these as UK wall-clock times.
  const occurredAt = toInstant(e.eventDate, 'Europe/London');
  if (!occurredAt) throw new CarrierUnavailableError(`${what} sent an event with an unreadable time: ${e.eventDate}`);
  return { code: e.eventCode ?? undefined, occurredAt, description: e.eventText?.trim() || (e.eventCode ?? ''), location: e.eventLocation?.trim() || undefined, raw };
}

function lastPathSegment(location: string, base: string): string | undefined {
  try {
    const segment = new URL(location, `${base}/`).pathname.split('/').filter(Boolean).pop();
    return segment ? decodeURIComponent(segment) : undefined;
  } catch {
    return undefined;
  }
}

function dpdFailure(what: string, res: CarrierResponse): CarrierRejectedError | CarrierUnavailableError {
  const parsed = errorBodySchema.safeParse(res.body);
  const error = parsed.success ? parsed.data.error : undefined;
  const message = typeof error === 'string' ? error : (error?.errorMessage ?? error?.message);
  if (res.status === 404) return new CarrierRejectedError(`${what}: HTTP 404${message ? ` ${message}` : ''}`, 'UNKNOWN_TRACKING_NUMBER');
  return carrierFailure(what, res, { message });
}
