import { z } from 'zod';
import { CarrierRejectedError, CarrierUnavailableError, type CarrierAdapter, type TrackingEvent, type TrackingInfo, type TrackingStatus } from './carrier';
import { isoInstant, placeName, readScans } from './oauth';
import { OAuthTrackingAdapter, refineException } from './oauthTracking';

/**
 * FedEx Track API (Basic Integrated Visibility), `POST /track/v1/trackingnumbers`, with an OAuth token from
 * `POST /oauth/token` (client id and secret in the form body).
 *
 * FedEx has no booking here: labels are bought through EasyPost (easypost.ts), which this adapter delegates
 * `book` and `cancel` to when given one. Tracking comes straight from FedEx because it is free, and it carries
 * the scan-level codes EasyPost folds away.
 */

export interface FedExAdapterOptions {
  /** FEDEX_API_URL: https://apis.fedex.com, or https://apis-sandbox.fedex.com for FedEx's test environment. */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Books and cancels FedEx labels, normally `new EasyPostAdapter({ carrier: 'FedEx', ... })`. */
  bookings?: CarrierAdapter;
  timeoutMs?: number;
  /** Language of FedEx's descriptions, which reach customers in notifications. */
  locale?: string;
  now?: () => number;
}

/**
 * FedEx status and scan codes → our vocabulary. `code`/`eventType` is the specific scan; `derivedCode` is
 * FedEx's coarser grouping (an "OD" scan has derived code "IT"), so the specific one is tried first.
 */
const FEDEX_STATUS: Readonly<Record<string, TrackingStatus>> = {
  OC: 'CONFIRMED', // shipment information sent to FedEx: label created, nothing handed over yet
  IN: 'CONFIRMED', // derived "Initiated"/"Label created"
  PU: 'CARRIER_PICKED_UP',
  IT: 'IN_TRANSIT',
  AR: 'IN_TRANSIT',
  AF: 'IN_TRANSIT',
  DP: 'IN_TRANSIT',
  OD: 'OUT_FOR_DELIVERY',
  DL: 'DELIVERED',
  DE: 'FAILURE',
  SE: 'FAILURE',
  // Cancelled by the shipper: the parcel is not coming, which someone has to look at unless we cancelled it.
  CA: 'FAILURE',
  RS: 'RETURNED_TO_SENDER',
  HL: 'READY_FOR_PICKUP', // hold at location: ready for the recipient to collect
  DY: 'DELAYED',
  DD: 'DELAYED',
  CD: 'DELAYED', // clearance delay
};

/** FedEx files a missed delivery under the same DE code as a real failure: the words decide (oauthTracking.ts). */
const wordsOf = (texts: Array<string | null | undefined>): string => texts.filter(Boolean).join(' ');

function mapCode(...codes: Array<string | null | undefined>): TrackingStatus | undefined {
  for (const code of codes) {
    const status = code ? FEDEX_STATUS[code.trim().toUpperCase()] : undefined;
    if (status) return status;
  }
  return undefined;
}

const locationSchema = z
  .object({
    city: z.string().nullish(),
    stateOrProvinceCode: z.string().nullish(),
    countryCode: z.string().nullish(),
  })
  .nullish();

const scanEventSchema = z.object({
  date: z.string().nullish(),
  eventType: z.string().nullish(),
  eventDescription: z.string().nullish(),
  exceptionDescription: z.string().nullish(),
  derivedStatusCode: z.string().nullish(),
  scanLocation: locationSchema,
});

const windowSchema = z.object({ window: z.object({ begins: z.string().nullish(), ends: z.string().nullish() }).nullish() }).nullish();

const trackResultSchema = z.object({
  trackingNumberInfo: z.object({ trackingNumber: z.string().nullish() }).nullish(),
  latestStatusDetail: z
    .object({
      code: z.string().nullish(),
      derivedCode: z.string().nullish(),
      statusByLocale: z.string().nullish(),
      description: z.string().nullish(),
      ancillaryDetails: z.array(z.object({ reasonDescription: z.string().nullish() })).nullish(),
    })
    .nullish(),
  scanEvents: z.array(z.unknown()).nullish(),
  estimatedDeliveryTimeWindow: windowSchema,
  dateAndTimes: z.array(z.object({ type: z.string().nullish(), dateTime: z.string().nullish() })).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

const trackResponseSchema = z.object({
  output: z.object({
    completeTrackResults: z
      .array(z.object({ trackingNumber: z.string().nullish(), trackResults: z.array(trackResultSchema).nullish() }))
      .min(1),
  }),
});

type TrackResult = z.infer<typeof trackResultSchema>;

export class FedExAdapter extends OAuthTrackingAdapter {
  readonly name = 'fedex';
  private readonly apiUrl: string;
  private readonly locale: string;

  constructor({ apiUrl, clientId, clientSecret, bookings, timeoutMs = 10_000, locale = 'en_GB', now }: FedExAdapterOptions) {
    const base = apiUrl.replace(/\/+$/, '');
    super({ carrier: 'FedEx', bookings, timeoutMs, now, tokens: { tokenUrl: `${base}/oauth/token`, clientId, clientSecret, clientAuth: 'form' } });
    this.apiUrl = base;
    this.locale = locale;
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    const what = `FedEx track ${trackingNumber}`;
    const answer = await this.trackingCall(what, `${this.apiUrl}/track/v1/trackingnumbers`, (token) => ({
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-locale': this.locale },
      body: JSON.stringify({ includeDetailedScans: true, trackingInfo: [{ trackingNumberInfo: { trackingNumber } }] }),
    }));

    const parsed = trackResponseSchema.safeParse(answer.body);
    if (!parsed.success) {
      // A 200 we cannot read is likelier a FedEx hiccup than a verdict on the parcel.
      throw new CarrierUnavailableError(`${what}: unreadable response: ${z.prettifyError(parsed.error)}`);
    }
    const complete =
      parsed.data.output.completeTrackResults.find((c) => c.trackingNumber === trackingNumber) ?? parsed.data.output.completeTrackResults[0];
    const results = complete.trackResults ?? [];
    // Several results mean FedEx reused the number for more than one shipment; the first readable one is the current.
    const result = results.find((r) => !r.error?.code) ?? results[0];
    if (!result) throw new CarrierUnavailableError(`${what}: FedEx answered without a track result`);

    if (result.error?.code) {
      const code = result.error.code;
      const message = `${what}: ${code} ${result.error.message ?? ''}`.trim();
      // NOTFOUND / INVALID are FedEx's verdict on the number itself; anything else is FedEx failing to answer.
      if (/NOTFOUND$|INVALID$|EMPTY$/i.test(code)) throw new CarrierRejectedError(message, code);
      throw new CarrierUnavailableError(message);
    }

    const events = readEvents(result);
    return {
      trackingNumber,
      status: currentStatus(result, events),
      events,
      estimatedDelivery: estimatedDelivery(result),
    };
  }
}

function readEvents(result: TrackResult): TrackingEvent[] {
  return readScans(result.scanEvents, scanEventSchema, 'newest-first', (scan) => {
    const occurredAt = isoInstant(scan.date);
    if (!occurredAt) return undefined;
    const { eventType, derivedStatusCode, eventDescription, exceptionDescription, scanLocation } = scan;
    const exception = exceptionDescription?.trim();
    return {
      // A scan code we have not met is still movement in FedEx's network, which is what every other scan is.
      status: refineException(mapCode(eventType, derivedStatusCode) ?? 'IN_TRANSIT', wordsOf([eventDescription, exception])),
      occurredAt,
      description: [eventDescription?.trim(), exception].filter(Boolean).join(': ') || eventType || 'FedEx scan',
      location: placeName(scanLocation?.city, scanLocation?.stateOrProvinceCode, scanLocation?.countryCode),
    };
  });
}

function currentStatus(result: TrackResult, events: TrackingEvent[]): TrackingStatus {
  const latest = result.latestStatusDetail;
  const mapped = mapCode(latest?.code, latest?.derivedCode);
  if (mapped) {
    const reasons = (latest?.ancillaryDetails ?? []).map((a) => a.reasonDescription ?? undefined);
    // The newest scan usually carries the reason FedEx's summary leaves out.
    return refineException(mapped, wordsOf([latest?.description, ...reasons, events.at(-1)?.description]));
  }
  // FedEx knows the number (it did not say NOTFOUND), so at the least it has the shipment's details.
  return events.at(-1)?.status ?? 'CONFIRMED';
}

function estimatedDelivery(result: TrackResult): string | undefined {
  const window = result.estimatedDeliveryTimeWindow?.window;
  // The end of the window is the promise; "between 9 and 1" has not slipped at 10.
  const fromWindow = isoInstant(window?.ends) ?? isoInstant(window?.begins);
  if (fromWindow) return fromWindow;
  const estimate = (result.dateAndTimes ?? []).find((d) => d.type === 'ESTIMATED_DELIVERY');
  return isoInstant(estimate?.dateTime);
}
