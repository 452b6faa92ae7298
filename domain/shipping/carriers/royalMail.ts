import { z } from 'zod';
import type { Config } from '../../../lib/config';
import { CarrierRejectedError, CarrierUnavailableError, type CarrierAdapter, type TrackingInfo, type TrackingStatus } from './carrier';
import { carrierFailure, getFromCarrier, oldestFirst, readCarrierBody, retryAfterOf, statusFromText, toEstimate, toInstant, withStatuses, type CarrierResponse, type ReadEvent } from './trackingHttp';

/**
 * Royal Mail Tracking API v2 (developer.royalmail.net), events operation:
 *
 *   GET {base}/mailpieces/v2/{mailPieceId}/events
 *     X-IBM-Client-Id, X-IBM-Client-Secret   the app's credentials (IBM API Connect gateway)
 *     X-Accept-RMG-Terms: yes                 required on every call
 *   200  { mailPieces: { mailPieceId, summary { lastEventCode, statusCategory, ... },
 *                        events [{ eventCode, eventName, eventDateTime, locationName }],
 *                        estimatedDelivery { date, startOfEstimatedWindow, endOfEstimatedWindow } } }
 *   4xx/5xx  { httpCode, httpMessage, moreInformation, errors [{ errorCode, errorDescription, errorCause, errorResolution }] }
 *
 * Booking goes through an aggregator (EasyPost), so this adapter only tracks.
 */

/** What the order workflow needs from a carrier it does not book with. */
export type CarrierTracker = Pick<CarrierAdapter, 'name' | 'track'>;

export interface RoyalMailTrackerOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
}

/**
 * Event codes as Royal Mail documents them to account holders and as the public clients list them
 * (elliotjreed/royal-mail-tracking). Codes not here fall back to the summary's statusCategory (latest event
 * only), then to the event's wording.
 */
export const ROYAL_MAIL_EVENT_STATUS: Readonly<Record<string, TrackingStatus>> = {
  // The sender's despatch advice: Royal Mail knows of the item but has not handled it.
  EVAIP: 'CONFIRMED',
  EVAIE: 'CONFIRMED',
  // First physical handling: accepted at a Post Office or Parcelshop, or collected.
  EVPPA: 'CARRIER_PICKED_UP',
  EVOAC: 'CARRIER_PICKED_UP',
  EVOCO: 'CARRIER_PICKED_UP',
  // Moving through the network (mail centres, the national parcel hub, delivery offices).
  EVBAH: 'IN_TRANSIT',
  EVDAC: 'IN_TRANSIT',
  EVDAV: 'IN_TRANSIT',
  EVIAV: 'IN_TRANSIT',
  EVIMC: 'IN_TRANSIT',
  EVORI: 'IN_TRANSIT',
  EVODO: 'IN_TRANSIT',
  // Held under Keepsafe because the customer asked: not a problem worth a "delivery problem" message.
  EVNKS: 'IN_TRANSIT',
  // Mis-sorts (re-routed) and retention (a request not to deliver today) cost at least a day.
  EVGMI: 'DELAYED',
  EVIPI: 'DELAYED',
  EVNMI: 'DELAYED',
  EVNRT: 'DELAYED',
  // "Due to be delivered today": Royal Mail's out-for-delivery.
  EVGPD: 'OUT_FOR_DELIVERY',
  // Tried and failed, or waiting for the redelivery someone arranged.
  EVKNA: 'ATTEMPTED_DELIVERY',
  EVKNR: 'ATTEMPTED_DELIVERY',
  EVKAA: 'ATTEMPTED_DELIVERY',
  EVNAA: 'ATTEMPTED_DELIVERY',
  EVNDN: 'ATTEMPTED_DELIVERY',
  EVKSU: 'ATTEMPTED_DELIVERY',
  EVNAR: 'ATTEMPTED_DELIVERY',
  EVNSR: 'ATTEMPTED_DELIVERY',
  ASRXS: 'ATTEMPTED_DELIVERY',
  RFRXS: 'ATTEMPTED_DELIVERY',
  RNRXS: 'ATTEMPTED_DELIVERY',
  RORXS: 'ATTEMPTED_DELIVERY',
  RPRXS: 'ATTEMPTED_DELIVERY',
  RSRXS: 'ATTEMPTED_DELIVERY',
  // At the delivery office or a chosen collection point, waiting for the customer.
  EVNDA: 'READY_FOR_PICKUP',
  EVKLC: 'READY_FOR_PICKUP',
  // Delivered: signed for, safe place, neighbour, or collected by the customer.
  EVKSP: 'DELIVERED',
  EVKSF: 'DELIVERED',
  EVKOP: 'DELIVERED',
  EVKDN: 'DELIVERED',
  EVPLC: 'DELIVERED',
  EVNOC: 'DELIVERED',
  // Undeliverable (no such address, gone away, refused) and on its way back, or already back.
  EVKAI: 'RETURNED_TO_SENDER',
  EVKGA: 'RETURNED_TO_SENDER',
  EVNGA: 'RETURNED_TO_SENDER',
  EVKRF: 'RETURNED_TO_SENDER',
  EVNRF: 'RETURNED_TO_SENDER',
  EVRTS: 'RETURNED_TO_SENDER',
};

/**
 * The summary's statusCategory ("IN TRANSIT" in Royal Mail's own example). Only that value is confirmed in
 * public material, so this reads words rather than matching exact strings; the order puts worse news first.
 */
export function royalMailCategoryStatus(category: string | undefined): TrackingStatus | undefined {
  if (!category) return undefined;
  const c = category.toUpperCase();
  if (c.includes('RETURN')) return 'RETURNED_TO_SENDER';
  if (c.includes('ATTEMPT')) return 'ATTEMPTED_DELIVERY';
  if (/EXCEPTION|UNDELIVERABLE|LOST|DAMAGED/.test(c)) return 'FAILURE';
  if (/\bDELIVERED\b|\bCOLLECTED\b/.test(c)) return 'DELIVERED';
  if (c.includes('COLLECT')) return 'READY_FOR_PICKUP';
  if (/OUT FOR DELIVERY|DUE TODAY/.test(c)) return 'OUT_FOR_DELIVERY';
  if (c.includes('DELAY')) return 'DELAYED';
  if (c.includes('TRANSIT')) return 'IN_TRANSIT';
  return undefined;
}

const eventSchema = z.object({
  eventCode: z.string(),
  eventName: z.string().optional(),
  eventDateTime: z.string(),
  locationName: z.string().optional(),
});

const eventsResponseSchema = z.object({
  mailPieces: z.object({
    mailPieceId: z.string().optional(),
    summary: z
      .object({
        lastEventCode: z.string().optional(),
        lastEventName: z.string().optional(),
        statusCategory: z.string().optional(),
        statusDescription: z.string().optional(),
      })
      .optional(),
    events: z.array(z.unknown()).optional(),
    estimatedDelivery: z
      .object({ date: z.string().optional(), startOfEstimatedWindow: z.string().optional(), endOfEstimatedWindow: z.string().optional() })
      .nullable()
      .optional(),
  }),
});

const errorBodySchema = z.object({
  httpCode: z.union([z.string(), z.number()]).optional(),
  httpMessage: z.string().optional(),
  moreInformation: z.string().optional(),
  errors: z.array(z.object({ errorCode: z.string(), errorDescription: z.string().optional() })).optional(),
});

/** Errors the next poll may not see: rate limiting, Royal Mail's own outages, "no update available yet". */
const TRANSIENT_CODES = new Set(['E0010', 'E0009', 'E0001', 'E1284', 'E1307', 'E1308']);

interface RoyalMailEvent extends ReadEvent {
  code: string;
}

export class RoyalMailTracker implements CarrierTracker {
  readonly name = 'royal-mail';
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor({ baseUrl, clientId, clientSecret, timeoutMs = 10_000 }: RoyalMailTrackerOptions) {
    if (!clientId || !clientSecret) throw new Error('Royal Mail tracking needs ROYAL_MAIL_CLIENT_ID and ROYAL_MAIL_CLIENT_SECRET');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.headers = { 'X-IBM-Client-Id': clientId, 'X-IBM-Client-Secret': clientSecret, 'X-Accept-RMG-Terms': 'yes' };
    this.timeoutMs = timeoutMs;
  }

  static fromConfig(config: Pick<Config, 'ROYAL_MAIL_API_URL' | 'ROYAL_MAIL_CLIENT_ID' | 'ROYAL_MAIL_CLIENT_SECRET'>, timeoutMs?: number): RoyalMailTracker {
    return new RoyalMailTracker({ baseUrl: config.ROYAL_MAIL_API_URL, clientId: config.ROYAL_MAIL_CLIENT_ID ?? '', clientSecret: config.ROYAL_MAIL_CLIENT_SECRET ?? '', timeoutMs });
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    // Labels print barcodes in groups ("FQ 0874 3067 2GB"); Royal Mail only knows them unspaced.
    const barcode = trackingNumber.replace(/\s+/g, '');
    const what = 'Royal Mail tracking';
    const res = await getFromCarrier(what, `${this.baseUrl}/mailpieces/v2/${encodeURIComponent(barcode)}/events`, { headers: this.headers, timeoutMs: this.timeoutMs });
    if (res.status < 200 || res.status >= 300) throw royalMailFailure(what, res);

    const piece = readCarrierBody(eventsResponseSchema, res.body, what).mailPieces;
    const read = oldestFirst((piece.events ?? []).map((raw) => readEvent(raw, what)));
    const last = read[read.length - 1];
    const events = withStatuses(read, (e) => ROYAL_MAIL_EVENT_STATUS[e.code] ?? (e === last && e.code === piece.summary?.lastEventCode ? royalMailCategoryStatus(piece.summary?.statusCategory) : undefined) ?? statusFromText(e.description));

    const estimate = piece.estimatedDelivery;
    return {
      trackingNumber,
      status: events.length > 0 ? events[events.length - 1].status : summaryStatus(piece.summary),
      events,
      estimatedDelivery: toEstimate(estimate?.date, 'Europe/London') ?? toEstimate(estimate?.endOfEstimatedWindow, 'Europe/London'),
    };
  }
}

function readEvent(raw: unknown, what: string): RoyalMailEvent {
  const e = readCarrierBody(eventSchema, raw, `${what} event`);
  const occurredAt = toInstant(e.eventDateTime, 'Europe/London');
  if (!occurredAt) throw new CarrierUnavailableError(`${what} sent an event with an unreadable time: ${e.eventDateTime}`);
  return { code: e.eventCode.toUpperCase(), occurredAt, description: e.eventName ?? e.eventCode, location: e.locationName || undefined, raw };
}

/** An item Royal Mail knows but has no events for yet (the summary alone), which is at least CONFIRMED. */
function summaryStatus(summary: { lastEventCode?: string; statusCategory?: string } | undefined): TrackingStatus {
  const code = summary?.lastEventCode?.toUpperCase();
  return (code ? ROYAL_MAIL_EVENT_STATUS[code] : undefined) ?? royalMailCategoryStatus(summary?.statusCategory) ?? 'CONFIRMED';
}

function royalMailFailure(what: string, res: CarrierResponse): CarrierRejectedError | CarrierUnavailableError {
  const parsed = errorBodySchema.safeParse(res.body);
  const first = parsed.success ? parsed.data.errors?.[0] : undefined;
  const message = first?.errorDescription ?? (parsed.success ? (parsed.data.moreInformation ?? parsed.data.httpMessage) : undefined);
  const code = first?.errorCode;
  if (res.status === 401 || res.status === 403 || !code) return carrierFailure(what, res, { message });
  if (code === 'E1142') return new CarrierRejectedError(`${what}: ${code} ${message ?? 'barcode not recognised'}`, 'UNKNOWN_TRACKING_NUMBER');
  if (code === 'E1283') return new CarrierRejectedError(`${what}: ${code} ${message ?? 'tracking not supported for this item'}`, 'TRACKING_NOT_SUPPORTED');
  // Rate limiting may come back as E0010 on a status other than 429; it is still worth waiting for.
  if (TRANSIENT_CODES.has(code)) return new CarrierUnavailableError(`${what}: HTTP ${res.status} ${code} ${message ?? ''}`.trim(), retryAfterOf(res));
  return carrierFailure(what, res, { code, message: `${code} ${message ?? ''}`.trim() });
}
