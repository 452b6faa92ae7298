import { z } from 'zod';
import {
  CarrierRejectedError,
  CarrierUnavailableError,
  type Booking,
  type BookingRequest,
  type CarrierAdapter,
  type TrackingEvent,
  type TrackingInfo,
  type TrackingStatus,
} from './carrier';
import { exchange, isTransient, isoInstant, placeName, readScans, unavailable, type HttpAnswer } from './oauth';

/**
 * EasyPost (API v2) as the one place labels are bought for every carrier we use: it rates a shipment with each
 * linked carrier account, and we buy the cheapest rate of the chosen carrier (and service, when given).
 *
 * Idempotency: EasyPost documents no Idempotency-Key header. It does let a shipment's `reference` stand in for its
 * id ("may be used in place of id in other API endpoints"), so a booking first asks for the shipment by reference
 * and only creates one when there is none; a retry after a lost answer, or after a crash between creating and
 * buying, finds the first shipment and finishes it instead of buying a second label. The reference is therefore
 * the booking's idempotency key (`shipment-<order>-<n>`, which still reads as the order it belongs to): the bare
 * order number would not tell an order's second parcel from its first. EasyPost does not enforce unique
 * references, so two attempts with one key at the same instant could both create; Temporal runs one attempt of
 * an activity at a time.
 *
 * Auth is HTTP Basic with the API key as the user name and no password.
 */

/** EasyPost's names for the carriers DY Official ships with. */
export type EasyPostCarrier = 'RoyalMail' | 'DPDUK' | 'FedEx' | 'UPS' | 'DHLExpress';

export interface EasyPostAdapterOptions {
  /** EASYPOST_API_URL: https://api.easypost.com */
  apiUrl: string;
  /** EASYPOST_API_KEY; a test-mode key buys labels that are never charged or collected. */
  apiKey: string;
  carrier: EasyPostCarrier;
  /** The carrier's service as EasyPost names it; without one the cheapest service of the carrier is bought. */
  service?: string;
  /** Restricts rating to one linked carrier account, for when a carrier is linked more than once. */
  carrierAccountId?: string;
  timeoutMs?: number;
}

/**
 * Where every parcel leaves from and comes back to. Carriers print it on the label and return undeliverable
 * parcels to it, so before going live these must be the warehouse's real details (street and phone here are
 * placeholders: the phone number is in Ofcom's range reserved for fiction). FedEx, UPS and DHL Express refuse
 * a shipper without a phone number.
 */
export const DY_WAREHOUSE = {
  name: 'DY Official Warehouse',
  company: 'DY Official',
  street1: 'Unit 4, Riverside Trade Park',
  street2: '21 Thames Road',
  city: 'London',
  zip: 'E16 2EZ',
  country: 'GB',
  phone: '+442079460000',
  email: 'orders@dyofficial.co.uk',
} as const;

const GRAMS_PER_OUNCE_NANOS = 28_349_523_125n; // 1 oz = 28.349523125 g exactly (international avoirdupois)

/**
 * EasyPost wants parcel weight in ounces. Rounded UP to a tenth of an ounce so we never under-declare (a carrier
 * re-weighs and surcharges), in integer arithmetic so 750 g is 26.5 oz and not 26.455000000000002 rounded.
 */
export function gramsToOunces(grams: number): number {
  if (!Number.isFinite(grams) || grams <= 0) throw new RangeError(`not a parcel weight: ${grams} g`);
  const g = BigInt(Math.ceil(grams));
  const tenths = (g * 10n * 1_000_000_000n + GRAMS_PER_OUNCE_NANOS - 1n) / GRAMS_PER_OUNCE_NANOS;
  return Number(tenths) / 10;
}

/** EasyPost tracker statuses → our vocabulary. */
const EASYPOST_STATUS: Readonly<Record<string, TrackingStatus>> = {
  // A tracker exists only because we bought the label; the carrier has said nothing yet.
  unknown: 'LABEL_PURCHASED',
  pre_transit: 'CONFIRMED',
  in_transit: 'IN_TRANSIT',
  out_for_delivery: 'OUT_FOR_DELIVERY',
  delivered: 'DELIVERED',
  available_for_pickup: 'READY_FOR_PICKUP',
  return_to_sender: 'RETURNED_TO_SENDER',
  failure: 'FAILURE',
  // A label cancelled under us, or EasyPost unable to track a label it sold us: either way a person must look.
  cancelled: 'FAILURE',
  error: 'FAILURE',
};

function mapStatus(status: string | null | undefined): TrackingStatus | undefined {
  return status ? EASYPOST_STATUS[status.trim().toLowerCase()] : undefined;
}

const rateSchema = z.object({
  id: z.string(),
  carrier: z.string(),
  service: z.string().nullish(),
  rate: z.string(),
  currency: z.string().nullish(),
  carrier_account_id: z.string().nullish(),
});

const shipmentSchema = z.object({
  id: z.string().min(1),
  reference: z.string().nullish(),
  tracking_code: z.string().nullish(),
  refund_status: z.string().nullish(),
  postage_label: z.object({ label_url: z.string().nullish() }).nullish(),
  selected_rate: rateSchema.nullish(),
  rates: z.array(rateSchema).nullish(),
  messages: z.array(z.object({ carrier: z.string().nullish(), type: z.string().nullish(), message: z.unknown() })).nullish(),
});
type Shipment = z.infer<typeof shipmentSchema>;

const ratesSchema = z.object({ rates: z.array(rateSchema) });
type Rate = z.infer<typeof rateSchema>;

const trackingDetailSchema = z.object({
  message: z.string().nullish(),
  description: z.string().nullish(),
  status: z.string().nullish(),
  datetime: z.string().nullish(),
  tracking_location: z
    .object({ city: z.string().nullish(), state: z.string().nullish(), country: z.string().nullish(), zip: z.string().nullish() })
    .nullish(),
});

const trackerSchema = z.object({
  id: z.string(),
  tracking_code: z.string(),
  status: z.string().nullish(),
  carrier: z.string().nullish(),
  shipment_id: z.string().nullish(),
  est_delivery_date: z.string().nullish(),
  tracking_details: z.array(z.unknown()).nullish(),
});
type Tracker = z.infer<typeof trackerSchema>;

const trackerListSchema = z.object({ trackers: z.array(z.unknown()) });

const errorSchema = z.object({
  error: z.object({
    code: z.string().nullish(),
    message: z.string().nullish(),
    errors: z.array(z.union([z.string(), z.object({ field: z.string().nullish(), message: z.string().nullish() })])).nullish(),
  }),
});

export class EasyPostAdapter implements CarrierAdapter {
  readonly name: string;
  private readonly apiUrl: string;
  private readonly authorization: string;
  private readonly carrier: EasyPostCarrier;
  private readonly service?: string;
  private readonly carrierAccountId?: string;
  private readonly timeoutMs: number;

  constructor({ apiUrl, apiKey, carrier, service, carrierAccountId, timeoutMs = 20_000 }: EasyPostAdapterOptions) {
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
    this.carrier = carrier;
    this.service = service;
    this.carrierAccountId = carrierAccountId;
    this.timeoutMs = timeoutMs;
    this.name = `easypost-${carrier.toLowerCase()}`;
  }

  async book(req: BookingRequest): Promise<Booking> {
    const reference = req.idempotencyKey;
    const existing = await this.findShipment(reference);
    if (existing?.refund_status === 'submitted' || existing?.refund_status === 'refunded') {
      // Handing back a voided label would send a parcel out on nothing; a new label under this key needs a person.
      throw new CarrierRejectedError(`EasyPost shipment ${existing.id} for ${reference} has been refunded`, 'SHIPMENT.REFUNDED');
    }
    if (existing?.tracking_code) return this.bookingOf(existing);

    // A shipment left unbought (a crash before buying, or no rate until a person linked the carrier account) is
    // rated afresh: its old rates may have lapsed, or never included the carrier.
    const shipment = existing ? await this.rerate(existing) : await this.createShipment(req, reference);
    // The store's choice for this parcel wins over the adapter's default service.
    const rate = this.cheapestRate(shipment, req.service ?? this.service);
    const bought = shipmentSchema.safeParse(
      (await this.request('POST', `/v2/shipments/${encodeURIComponent(shipment.id)}/buy`, { rate: { id: rate.id } })).body,
    );
    if (!bought.success) throw new CarrierUnavailableError(`EasyPost buy ${shipment.id}: unreadable response: ${z.prettifyError(bought.error)}`);
    return this.bookingOf(bought.data);
  }

  async track(trackingNumber: string): Promise<TrackingInfo> {
    const tracker = await this.findTracker(trackingNumber);
    if (!tracker) throw new CarrierRejectedError(`EasyPost has no ${this.carrier} tracker for ${trackingNumber}`, 'TRACKER.NOT_FOUND');
    const events = readEvents(tracker);
    return {
      trackingNumber,
      status: mapStatus(tracker.status) ?? events.at(-1)?.status ?? 'LABEL_PURCHASED',
      events,
      estimatedDelivery: isoInstant(tracker.est_delivery_date),
    };
  }

  /** Asks EasyPost to refund the label, which voids it with the carrier; asking again is harmless. */
  async cancel(trackingNumber: string): Promise<void> {
    const tracker = await this.findTracker(trackingNumber);
    if (!tracker?.shipment_id) throw new CarrierRejectedError(`EasyPost has no ${this.carrier} shipment for ${trackingNumber}`, 'SHIPMENT.NOT_FOUND');
    const path = `/v2/shipments/${encodeURIComponent(tracker.shipment_id)}`;
    let refunded: Shipment;
    try {
      refunded = this.readShipment(await this.request('POST', `${path}/refund`, {}), 'refund');
    } catch (err) {
      // A second refund request may be refused; what counts is whether a refund is on its way.
      if (!(err instanceof CarrierRejectedError)) throw err;
      const current = this.readShipment(await this.request('GET', path), 'shipment');
      if (current.refund_status === 'submitted' || current.refund_status === 'refunded') return;
      throw err;
    }
    if (refunded.refund_status === 'rejected') {
      throw new CarrierRejectedError(`EasyPost refused to refund ${trackingNumber}: the carrier has probably scanned it already`, 'REFUND.REJECTED');
    }
  }

  private async findShipment(reference: string): Promise<Shipment | undefined> {
    const answer = await this.request('GET', `/v2/shipments/${encodeURIComponent(reference)}`, undefined, { notFound: 'answer' });
    return answer.status === 404 ? undefined : this.readShipment(answer, 'shipment');
  }

  private async createShipment(req: BookingRequest, reference: string): Promise<Shipment> {
    let ounces: number;
    try {
      ounces = gramsToOunces(req.weightGrams);
    } catch (err) {
      throw new CarrierRejectedError((err as Error).message, 'PARCEL.WEIGHT.INVALID');
    }
    const { address } = req;
    const body = {
      shipment: {
        reference,
        to_address: {
          name: req.recipientName,
          street1: address.line1,
          street2: address.line2,
          city: address.city,
          zip: address.postcode,
          country: address.country,
        },
        from_address: DY_WAREHOUSE,
        parcel: { weight: ounces },
        carrier_accounts: this.carrierAccountId ? [this.carrierAccountId] : undefined,
      },
    };
    return this.readShipment(await this.request('POST', '/v2/shipments', body), 'shipment');
  }

  private async rerate(shipment: Shipment): Promise<Shipment> {
    const answer = await this.request('POST', `/v2/shipments/${encodeURIComponent(shipment.id)}/rerate`);
    const parsed = ratesSchema.safeParse(answer.body);
    if (!parsed.success) throw new CarrierUnavailableError(`EasyPost rerate ${shipment.id}: unreadable response: ${z.prettifyError(parsed.error)}`);
    return { ...shipment, rates: parsed.data.rates };
  }

  private cheapestRate(shipment: Shipment, service: string | undefined): Rate {
    const candidates = (shipment.rates ?? []).filter(
      (r) =>
        r.carrier === this.carrier &&
        (service === undefined || r.service === service) &&
        (this.carrierAccountId === undefined || r.carrier_account_id === this.carrierAccountId),
    );
    let best: { rate: Rate; amount: bigint } | undefined;
    for (const rate of candidates) {
      const amount = minorUnits(rate.rate);
      if (amount !== undefined && (best === undefined || amount < best.amount)) best = { rate, amount };
    }
    if (best) return best.rate;
    // EasyPost lists why a carrier gave no rate (destination not served, account problem) in `messages`.
    const why = (shipment.messages ?? [])
      .filter((m) => !m.carrier || m.carrier === this.carrier)
      .map((m) => (typeof m.message === 'string' ? m.message : JSON.stringify(m.message)))
      .join('; ');
    const wanted = service ? `${this.carrier} ${service}` : this.carrier;
    throw new CarrierRejectedError(`EasyPost offered no ${wanted} rate for shipment ${shipment.id}${why ? `: ${why}` : ''}`, 'RATE.UNAVAILABLE');
  }

  private bookingOf(shipment: Shipment): Booking {
    if (!shipment.tracking_code) throw new CarrierUnavailableError(`EasyPost shipment ${shipment.id} was bought but has no tracking code yet`);
    return {
      carrier: shipment.selected_rate?.carrier ?? this.carrier,
      trackingNumber: shipment.tracking_code,
      labelUrl: shipment.postage_label?.label_url ?? undefined,
      service: shipment.selected_rate?.service ?? undefined,
    };
  }

  private async findTracker(trackingNumber: string): Promise<Tracker | undefined> {
    const query = new URLSearchParams({ tracking_code: trackingNumber, carrier: this.carrier });
    const answer = await this.request('GET', `/v2/trackers?${query}`);
    const list = trackerListSchema.safeParse(answer.body);
    if (!list.success) throw new CarrierUnavailableError(`EasyPost trackers: unreadable response: ${z.prettifyError(list.error)}`);
    // Newest first; the same code can come back from a carrier that recycles numbers, and the newest is ours.
    for (const raw of list.data.trackers) {
      const tracker = trackerSchema.safeParse(raw);
      if (tracker.success && tracker.data.tracking_code === trackingNumber) return tracker.data;
    }
    return undefined;
  }

  private readShipment(answer: HttpAnswer, what: string): Shipment {
    const parsed = shipmentSchema.safeParse(answer.body);
    if (!parsed.success) throw new CarrierUnavailableError(`EasyPost ${what}: unreadable response: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  /** Resolves only for 2xx; every other outcome becomes one of the two carrier errors. */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown, { notFound }: { notFound?: 'answer' } = {}): Promise<HttpAnswer> {
    const what = `EasyPost ${method} ${path.split('?')[0]}`;
    const answer = await exchange(
      `${this.apiUrl}${path}`,
      {
        method,
        headers: { authorization: this.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
      this.timeoutMs,
      what,
    );
    if ((answer.status >= 200 && answer.status < 300) || (answer.status === 404 && notFound === 'answer')) return answer;

    const parsed = errorSchema.safeParse(answer.body);
    const code = (parsed.success && parsed.data.error.code) || `HTTP_${answer.status}`;
    const fields = parsed.success
      ? (parsed.data.error.errors ?? []).map((e) => (typeof e === 'string' ? e : [e.field, e.message].filter(Boolean).join(': '))).filter(Boolean)
      : [];
    const message = `${what}: ${answer.status} ${code}${parsed.success && parsed.data.error.message ? ` ${parsed.data.error.message}` : ''}${
      fields.length ? ` (${fields.join('; ')})` : ''
    }`;
    // 401/403 (key), 402 (wallet empty): our account, not the parcel; retried until someone fixes it.
    if (isTransient(answer.status) || answer.status === 401 || answer.status === 402 || answer.status === 403) throw unavailable(answer, message);
    // 422 (address could not be verified, postage refused), 404, 400: the same request fails the same way again.
    throw new CarrierRejectedError(message, code);
  }
}

function readEvents(tracker: Tracker): TrackingEvent[] {
  return readScans(tracker.tracking_details, trackingDetailSchema, 'oldest-first', ({ message, description, status, datetime, tracking_location: at }) => {
    const occurredAt = isoInstant(datetime);
    if (!occurredAt) return undefined;
    return {
      status: mapStatus(status) ?? 'IN_TRANSIT',
      occurredAt,
      description: [message?.trim(), description?.trim()].filter(Boolean).join(': ') || status || 'EasyPost update',
      location: placeName(at?.city, at?.state, at?.zip, at?.country),
    };
  });
}

/** "7.47" → 7_470_000n millionths; exact, unlike parseFloat, so rates a fraction of a penny apart stay apart. */
function minorUnits(amount: string): bigint | undefined {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(amount.trim());
  return m ? BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0')) : undefined;
}
