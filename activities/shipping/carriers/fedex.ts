import { z } from 'zod';
import { BookThroughEasyPost } from './bookThroughEasyPost';
import {
  CarrierRejectedError,
  CarrierUnavailableError,
  type Booking,
  type BookingRequest,
  type CarrierAdapter,
  type TrackingEvent,
  type TrackingInfo,
  type TrackingStatus,
} from '../carrier';
import { ClientCredentialsTokens, chronological, errorSummary, exchange, isTransient, isoInstant, placeName, unavailable } from './oauth';

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

/**
 * FedEx files a missed delivery ("customer not available or business closed") under the same DE code as a
 * real failure. Only the wording tells them apart; anything that needs a person (an address, damage, customs,
 * a refusal) stays a failure.
 */
function refineException(status: TrackingStatus, texts: Array<string | undefined>): TrackingStatus {
  if (status !== 'FAILURE') return status;
  const words = texts.filter(Boolean).join(' ');
  if (/return(ed|ing)? to (the )?(shipper|sender)/i.test(words)) return 'RETURNED_TO_SENDER';
  if (/\baddress|\bincorrect|\bmissing|\bdamage|\brefus|\blost\b|\bcustoms\b/i.test(words)) return 'FAILURE';
  if (/\battempt|not available|business (was )?closed|no one (was )?(home|available)/i.test(words)) return 'ATTEMPTED_DELIVERY';
  return status;
}

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

export class FedExAdapter implements CarrierAdapter {
  readonly name = 'fedex';
  /** Exposed so tests (and metrics, if wanted) can see how often a token was fetched. */
  readonly tokens: ClientCredentialsTokens;
  private readonly apiUrl: string;
  private readonly timeoutMs: number;
  private readonly locale: string;
  private readonly bookings: BookThroughEasyPost;

  constructor({ apiUrl, clientId, clientSecret, bookings, timeoutMs = 10_000, locale = 'en_GB', now }: FedExAdapterOptions) {
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
    this.locale = locale;
    this.bookings = new BookThroughEasyPost('FedEx', bookings);
    this.tokens = new ClientCredentialsTokens({
      carrier: 'FedEx',
      tokenUrl: `${this.apiUrl}/oauth/token`,
      clientId,
      clientSecret,
      clientAuth: 'form',
      timeoutMs,
      now,
    });
  }

  book(req: BookingRequest): Promise<Booking> {
    return this.bookings.book(req);
  }

  cancel(trackingNumber: string): Promise<void> {
    return this.bookings.cancel(trackingNumber);
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    const what = `FedEx track ${trackingNumber}`;
    const answer = await this.tokens.authorised((token) =>
      exchange(
        `${this.apiUrl}/track/v1/trackingnumbers`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-locale': this.locale },
          body: JSON.stringify({ includeDetailedScans: true, trackingInfo: [{ trackingNumberInfo: { trackingNumber } }] }),
        },
        this.timeoutMs,
        what,
      ),
    );

    if (answer.status !== 200) {
      const { code, message } = errorSummary(answer.body);
      const detail = `${what}: ${answer.status} ${[code, message].filter(Boolean).join(' ') || 'no error detail'}`;
      // 401 after a fresh token, or 403: our credentials or project, not the parcel; retry once someone fixes them.
      if (isTransient(answer.status) || answer.status === 401 || answer.status === 403) throw unavailable(answer, detail);
      throw new CarrierRejectedError(detail, code ?? `HTTP_${answer.status}`);
    }

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
  const events: TrackingEvent[] = [];
  for (const raw of result.scanEvents ?? []) {
    const scan = scanEventSchema.safeParse(raw);
    if (!scan.success) continue;
    const occurredAt = isoInstant(scan.data.date);
    if (!occurredAt) continue;
    const { eventType, derivedStatusCode, eventDescription, exceptionDescription, scanLocation } = scan.data;
    const exception = exceptionDescription?.trim();
    const description = [eventDescription?.trim(), exception].filter(Boolean).join(': ') || eventType || 'FedEx scan';
    // A scan code we have not met is still movement in FedEx's network, which is what every other scan is.
    const status = refineException(mapCode(eventType, derivedStatusCode) ?? 'IN_TRANSIT', [eventDescription ?? undefined, exception]);
    events.push({
      status,
      occurredAt,
      description,
      location: placeName(scanLocation?.city, scanLocation?.stateOrProvinceCode, scanLocation?.countryCode),
      raw,
    });
  }
  return chronological(events, 'newest-first');
}

function currentStatus(result: TrackResult, events: TrackingEvent[]): TrackingStatus {
  const latest = result.latestStatusDetail;
  const mapped = mapCode(latest?.code, latest?.derivedCode);
  if (mapped) {
    const reasons = (latest?.ancillaryDetails ?? []).map((a) => a.reasonDescription ?? undefined);
    // The newest scan usually carries the reason FedEx's summary leaves out.
    return refineException(mapped, [latest?.description ?? undefined, ...reasons, events.at(-1)?.description]);
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
