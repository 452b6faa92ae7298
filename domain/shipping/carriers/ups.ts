import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CarrierRejectedError, CarrierUnavailableError, type CarrierAdapter, type TrackingEvent, type TrackingInfo, type TrackingStatus } from './carrier';
import { placeName, readScans } from './oauth';
import { OAuthTrackingAdapter, refineException } from './oauthTracking';

/**
 * UPS Tracking API, `GET /track/v1/details/{inquiryNumber}`, with an OAuth token from UPS's client-credentials
 * endpoint (client id and secret in HTTP Basic).
 *
 * Labels are bought through EasyPost (easypost.ts); `book` and `cancel` are delegated to it when configured.
 */

export interface UpsAdapterOptions {
  /** UPS_API_URL: https://onlinetools.ups.com/api, or https://wwwcie.ups.com/api for UPS's test environment. */
  apiUrl: string;
  /** UPS_TOKEN_URL: https://onlinetools.ups.com/security/v1/oauth/token. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The 6-digit UPS account number, sent as `x-merchant-id` when getting a token; optional for tracking. */
  merchantId?: string;
  /** Books and cancels UPS labels, normally `new EasyPostAdapter({ carrier: 'UPS', ... })`. */
  bookings?: CarrierAdapter;
  /** UPS asks every caller to name itself in `transactionSrc`. */
  transactionSrc?: string;
  timeoutMs?: number;
  /** Language of UPS's descriptions, which reach customers in notifications. */
  locale?: string;
  now?: () => number;
}

/** UPS activity status types → our vocabulary. */
const UPS_TYPE: Readonly<Record<string, TrackingStatus>> = {
  M: 'CONFIRMED', // manifest: "Shipper created a label, UPS has not received the package yet"
  MV: 'CONFIRMED',
  P: 'CARRIER_PICKED_UP',
  I: 'IN_TRANSIT',
  O: 'OUT_FOR_DELIVERY',
  D: 'DELIVERED',
  X: 'FAILURE',
  RS: 'RETURNED_TO_SENDER',
};

/**
 * UPS reports some milestones as codes inside the broad "I" type: "Out For Delivery Today" is type I, code OT;
 * "We have your package" (the origin scan) is I/OC. The code wins over the type for these.
 */
const UPS_CODE: Readonly<Record<string, TrackingStatus>> = {
  OT: 'OUT_FOR_DELIVERY',
  OC: 'CARRIER_PICKED_UP',
};

const statusSchema = z
  .object({
    type: z.string().nullish(),
    code: z.string().nullish(),
    description: z.string().nullish(),
  })
  .nullish();

type UpsStatus = z.infer<typeof statusSchema>;

/** Shared with Track Alert pushes (upsTrackAlert.ts), so a pushed event and a polled one read alike. */
export function upsActivityStatus(s: UpsStatus): TrackingStatus | undefined {
  const byCode = s?.code ? UPS_CODE[s.code.trim().toUpperCase()] : undefined;
  const byType = s?.type ? UPS_TYPE[s.type.trim().toUpperCase()] : undefined;
  const status = byCode ?? byType;
  // Type X covers a missed delivery ("The receiver was not available for delivery. We'll make a second
  // attempt"), a weather delay, a return under way and genuine failures alike: the description tells them apart.
  return status && refineException(status, s?.description ?? '', { delays: true });
}

const activitySchema = z.object({
  date: z.string().nullish(),
  time: z.string().nullish(),
  gmtDate: z.string().nullish(),
  gmtTime: z.string().nullish(),
  gmtOffset: z.string().nullish(),
  location: z
    .object({
      address: z
        .object({
          city: z.string().nullish(),
          stateProvince: z.string().nullish(),
          countryCode: z.string().nullish(),
          country: z.string().nullish(),
        })
        .nullish(),
    })
    .nullish(),
  status: statusSchema,
});

const packageSchema = z.object({
  trackingNumber: z.string().nullish(),
  currentStatus: statusSchema,
  activity: z.array(z.unknown()).nullish(),
  deliveryDate: z.array(z.object({ type: z.string().nullish(), date: z.string().nullish() })).nullish(),
});

const trackResponseSchema = z.object({
  trackResponse: z.object({
    shipment: z
      .array(
        z.object({
          inquiryNumber: z.string().nullish(),
          package: z.array(packageSchema).nullish(),
          warnings: z.array(z.object({ code: z.string().nullish(), message: z.string().nullish() })).nullish(),
        }),
      )
      .min(1),
  }),
});

type UpsPackage = z.infer<typeof packageSchema>;

export class UpsAdapter extends OAuthTrackingAdapter {
  readonly name = 'ups';
  private readonly apiUrl: string;
  private readonly locale: string;
  private readonly transactionSrc: string;

  constructor({ apiUrl, tokenUrl, clientId, clientSecret, merchantId, bookings, transactionSrc = 'dy-orders', timeoutMs = 10_000, locale = 'en_GB', now }: UpsAdapterOptions) {
    const headers: Record<string, string> = merchantId ? { 'x-merchant-id': merchantId } : {};
    super({ carrier: 'UPS', bookings, timeoutMs, now, tokens: { tokenUrl, clientId, clientSecret, clientAuth: 'basic', headers } });
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    this.locale = locale;
    this.transactionSrc = transactionSrc;
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    const what = `UPS track ${trackingNumber}`;
    const query = new URLSearchParams({ locale: this.locale, returnSignature: 'false', returnMilestones: 'false', returnPOD: 'false' });
    // A 404 here is e.g. 151044 "no tracking information available": a rejection, as the base class reads it.
    const answer = await this.trackingCall(what, `${this.apiUrl}/track/v1/details/${encodeURIComponent(trackingNumber)}?${query}`, (token) => ({
      method: 'GET',
      // transId must be unique per request; UPS caps it at 32 characters, a dashless UUID exactly.
      headers: { authorization: `Bearer ${token}`, transId: randomUUID().replace(/-/g, ''), transactionSrc: this.transactionSrc },
    }));

    const parsed = trackResponseSchema.safeParse(answer.body);
    if (!parsed.success) throw new CarrierUnavailableError(`${what}: unreadable response: ${z.prettifyError(parsed.error)}`);
    const shipment = parsed.data.trackResponse.shipment[0];
    const packages = shipment.package ?? [];
    const pkg = packages.find((p) => p.trackingNumber === trackingNumber) ?? packages[0];
    if (!pkg) {
      // UPS also answers an unknown number with a 200 whose shipment holds only warnings.
      const warning = shipment.warnings?.[0];
      throw new CarrierRejectedError(`${what}: ${warning?.code ?? ''} ${warning?.message ?? 'no package in the answer'}`.trim(), warning?.code ?? 'NO_PACKAGE');
    }

    const events = readEvents(pkg);
    return {
      trackingNumber,
      status: currentStatus(pkg, events),
      events,
      estimatedDelivery: estimatedDelivery(pkg),
    };
  }
}

function readEvents(pkg: UpsPackage): TrackingEvent[] {
  return readScans(pkg.activity, activitySchema, 'newest-first', (a) => {
    const occurredAt = activityInstant(a);
    const address = a.location?.address;
    return occurredAt === undefined
      ? undefined
      : {
          // An activity type we have not met is still movement in UPS's network, which is what the rest are.
          status: upsActivityStatus(a.status) ?? 'IN_TRANSIT',
          occurredAt,
          description: a.status?.description?.trim() || a.status?.code || 'UPS scan',
          location: placeName(address?.city, address?.stateProvince, address?.countryCode ?? address?.country),
        };
  });
}

function currentStatus(pkg: UpsPackage, events: TrackingEvent[]): TrackingStatus {
  // `currentStatus.type` is sometimes missing in live answers (only a numeric code and a description), so the
  // newest activity, which carries its type, stands in.
  return upsActivityStatus(pkg.currentStatus) ?? events.at(-1)?.status ?? 'CONFIRMED';
}

/**
 * UPS gives the scan's local date and time (YYYYMMDD, HHMMSS) plus its offset, and also a GMT date and time
 * whose format varies ("20:04:35", "74700"). Local time with its offset is exact; GMT is the fallback; local
 * time alone is read as UTC, at worst a few hours out on an event a customer sees as a day.
 */
function activityInstant(a: z.infer<typeof activitySchema>): string | undefined {
  const local = ymdhms(a.date, a.time);
  if (local && a.gmtOffset && /^[+-]\d{2}:\d{2}$/.test(a.gmtOffset.trim())) return toIso(`${local}${a.gmtOffset.trim()}`);
  const gmt = ymdhms(a.gmtDate, a.gmtTime);
  if (gmt) return toIso(`${gmt}Z`);
  return local ? toIso(`${local}Z`) : undefined;
}

function ymdhms(date: string | null | undefined, time: string | null | undefined): string | undefined {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(date?.trim() ?? '');
  if (!d) return undefined;
  const digits = (time ?? '').replace(/:/g, '').trim();
  if (!/^\d{1,6}$/.test(digits)) return `${d[1]}-${d[2]}-${d[3]}T00:00:00`;
  const t = digits.padStart(6, '0');
  return `${d[1]}-${d[2]}-${d[3]}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}`;
}

function toIso(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** UPS's YYYYMMDD and HHMMSS, read in `zone` ('Z', or an offset such as '+01:00'), as an ISO 8601 instant. */
export function upsInstant(date: string | null | undefined, time: string | null | undefined, zone = 'Z'): string | undefined {
  const local = ymdhms(date, time);
  return local ? toIso(`${local}${zone}`) : undefined;
}

/** A UPS delivery date (YYYYMMDD) as the bare ISO date the carrier meant: a day, not an instant. */
export function upsDate(date: string | null | undefined): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(date?.trim() ?? '');
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** A rescheduled date (RDD) replaces the scheduled one (SDD); DEL is what happened, not an estimate. */
function estimatedDelivery(pkg: UpsPackage): string | undefined {
  const dates = pkg.deliveryDate ?? [];
  const pick = dates.find((d) => d.type === 'RDD') ?? dates.find((d) => d.type === 'SDD');
  return upsDate(pick?.date);
}
