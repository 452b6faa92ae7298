import { CarrierRejectedError, CarrierUnavailableError } from '../../domain/shipping/carriers/carrier';
import { DY_WAREHOUSE, EasyPostAdapter, gramsToOunces, type EasyPostAdapterOptions, type EasyPostCarrier } from '../../domain/shipping/carriers/easypost';
import { startFakeEasyPost, type FakeEasyPost } from '../fakes/carriers/easypostServer';
import { bookingRequest, failure, itMapsJourneys, useFake, type JourneyCase } from '../helpers/carriers';

let fake: FakeEasyPost;

useFake(async () => (fake = await startFakeEasyPost()));

function adapter(carrier: EasyPostCarrier, overrides: Partial<EasyPostAdapterOptions> = {}): EasyPostAdapter {
  return new EasyPostAdapter({ apiUrl: fake.url, apiKey: fake.apiKey, carrier, timeoutMs: 2_000, ...overrides });
}

function requestsSince(before: number, method: string, path: RegExp) {
  return fake.requests.slice(before).filter((r) => r.method === method && path.test(r.path));
}

describe('gramsToOunces', () => {
  it('rounds up to a tenth of an ounce, exactly', () => {
    expect(gramsToOunces(750)).toBe(26.5); // 26.455 oz
    expect(gramsToOunces(1)).toBe(0.1);
    expect(gramsToOunces(28)).toBe(1); // 0.988 oz
    expect(gramsToOunces(1000)).toBe(35.3); // 35.274 oz
    expect(gramsToOunces(2835)).toBe(100.1); // 100.002 oz: never under-declared
    expect(gramsToOunces(0.4)).toBe(0.1);
    expect(gramsToOunces(30_000)).toBe(1058.3);
  });

  it('refuses weights that are not a parcel', () => {
    expect(() => gramsToOunces(0)).toThrow(RangeError);
    expect(() => gramsToOunces(-5)).toThrow(RangeError);
    expect(() => gramsToOunces(Number.NaN)).toThrow(RangeError);
  });
});

describe('EasyPost booking', () => {
  it('creates the shipment, buys the cheapest rate of the carrier and returns tracking number and label', async () => {
    const req = bookingRequest();
    const before = fake.requests.length;
    const booking = await adapter('UPS').book(req);

    const shipment = fake.shipments.find((s) => s.reference === req.idempotencyKey);
    expect(shipment).toBeDefined();
    expect(booking).toEqual({
      carrier: 'UPS',
      trackingNumber: shipment?.trackingCode,
      labelUrl: `${fake.url}/files/postage_label/${shipment?.id}.png`,
      service: 'Standard',
    });
    expect(booking.trackingNumber).toMatch(/^1Z/);
    // Two UPS accounts offer Standard; the second is cheaper (7.10 against 7.85).
    expect(shipment?.selectedRate).toMatchObject({ carrier: 'UPS', service: 'Standard', rate: '7.10', carrier_account_id: 'ca_ups_second' });

    const [lookup] = requestsSince(before, 'GET', /^\/v2\/shipments\//);
    expect(lookup).toMatchObject({ path: `/v2/shipments/${req.idempotencyKey}`, status: 404 });
    const [create] = requestsSince(before, 'POST', /^\/v2\/shipments$/);
    expect(create.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.apiKey}:`).toString('base64')}`);
    expect(create.body).toEqual({
      shipment: {
        reference: req.idempotencyKey,
        to_address: { name: 'Ada Lovelace', street1: '12 Test Street', street2: 'Flat 3', city: 'Leicester', zip: 'LE1 1AA', country: 'GB' },
        from_address: { ...DY_WAREHOUSE },
        parcel: { weight: 26.5 },
      },
    });
    expect(DY_WAREHOUSE).toMatchObject({ city: 'London', country: 'GB' });
    const [buy] = requestsSince(before, 'POST', /\/buy$/);
    expect(buy.body).toEqual({ rate: { id: shipment?.selectedRate?.id } });
  });

  it('buys the chosen service, and rates only the chosen carrier account', async () => {
    const royalMail = await adapter('RoyalMail', { service: 'RoyalMail24' }).book(bookingRequest());
    expect(fake.shipments.find((s) => s.trackingCode === royalMail.trackingNumber)?.selectedRate).toMatchObject({ service: 'RoyalMail24', rate: '4.20' });

    const before = fake.requests.length;
    const ups = await adapter('UPS', { carrierAccountId: 'ca_ups_main' }).book(bookingRequest());
    expect(fake.shipments.find((s) => s.trackingCode === ups.trackingNumber)?.selectedRate).toMatchObject({ service: 'Standard', rate: '7.85', carrier_account_id: 'ca_ups_main' });
    const [create] = requestsSince(before, 'POST', /^\/v2\/shipments$/);
    expect(create.body).toMatchObject({ shipment: { carrier_accounts: ['ca_ups_main'] } });
  });

  it("buys the service the store chose for this parcel, over the adapter's default", async () => {
    const chosen = await adapter('RoyalMail', { service: 'RoyalMail48' }).book(bookingRequest({ service: 'RoyalMail24' }));
    expect(chosen.service).toBe('RoyalMail24');
    expect(fake.shipments.find((s) => s.trackingCode === chosen.trackingNumber)?.selectedRate).toMatchObject({ service: 'RoyalMail24', rate: '4.20' });
    // A service the carrier does not offer is refused, never swapped for another.
    const err = await failure(adapter('UPS').book(bookingRequest({ service: 'NextDayAirEarly' })), CarrierRejectedError);
    expect(err.code).toBe('RATE.UNAVAILABLE');
    expect(err.message).toContain('UPS NextDayAirEarly');
  });

  it('books once per idempotency key: a retry returns the same label without buying again', async () => {
    const req = bookingRequest();
    const first = await adapter('DPDUK').book(req);
    const before = fake.requests.length;
    const again = await adapter('DPDUK').book(req);
    expect(again).toEqual(first);
    expect(fake.shipments.filter((s) => s.reference === req.idempotencyKey)).toHaveLength(1);
    expect(requestsSince(before, 'POST', /.*/)).toHaveLength(0);
  });

  it('finishes a booking interrupted between creating the shipment and buying it', async () => {
    const req = bookingRequest();
    fake.failNext(1, 503, undefined, { method: 'POST', path: /\/buy$/ });
    await failure(adapter('FedEx').book(req), CarrierUnavailableError);
    const booking = await adapter('FedEx').book(req);
    const shipments = fake.shipments.filter((s) => s.reference === req.idempotencyKey);
    expect(shipments).toHaveLength(1);
    expect(booking.trackingNumber).toBe(shipments[0].trackingCode);
    expect(shipments[0].selectedRate).toMatchObject({ carrier: 'FedEx', service: 'FEDEX_ECONOMY' });
  });

  it('after a rejection for want of a rate, a retry with the same key rates the same shipment afresh', async () => {
    const req = bookingRequest();
    fake.withholdRates('DHLExpress');
    try {
      const err = await failure(adapter('DHLExpress').book(req), CarrierRejectedError);
      expect(err.code).toBe('RATE.UNAVAILABLE');
      expect(err.message).toContain('no rates returned for this account');
    } finally {
      fake.withholdRates();
    }
    const before = fake.requests.length;
    const booking = await adapter('DHLExpress').book(req);
    expect(booking.carrier).toBe('DHLExpress');
    expect(fake.shipments.filter((s) => s.reference === req.idempotencyKey)).toHaveLength(1);
    expect(requestsSince(before, 'POST', /.*/).map((r) => r.path.replace(/shp_\w+/, 'shp_…'))).toEqual(['/v2/shipments/shp_…/rerate', '/v2/shipments/shp_…/buy']);
  });

  it('rejects an address EasyPost cannot verify, with its error code', async () => {
    const req = bookingRequest({ address: { line1: 'Undeliverable St', city: 'London', postcode: 'E1 1AA', country: 'GB' } });
    const err = await failure(adapter('RoyalMail').book(req), CarrierRejectedError);
    expect(err.code).toBe('ADDRESS.VERIFY.FAILURE');
    expect(err.message).toContain('House number is missing');
  });

  it('rejects when the carrier offers no rate for the chosen service', async () => {
    const err = await failure(adapter('DHLExpress', { service: 'ExpressWorldwide' }).book(bookingRequest()), CarrierRejectedError);
    expect(err.code).toBe('RATE.UNAVAILABLE');
  });

  it('rejects a parcel without weight before calling EasyPost to create anything', async () => {
    const before = fake.requests.length;
    const err = await failure(adapter('UPS').book(bookingRequest({ weightGrams: 0 })), CarrierRejectedError);
    expect(err.code).toBe('PARCEL.WEIGHT.INVALID');
    expect(requestsSince(before, 'POST', /.*/)).toHaveLength(0);
  });

  it('treats 429 as unavailable with Retry-After, and 503 as unavailable', async () => {
    fake.failNext(1, 429, 2, { method: 'POST', path: /^\/v2\/shipments$/ });
    const limited = await failure(adapter('UPS').book(bookingRequest()), CarrierUnavailableError);
    expect(limited.retryAfterMs).toBe(2_000);
    fake.failNext(1, 503);
    const down = await failure(adapter('UPS').book(bookingRequest()), CarrierUnavailableError);
    expect(down.retryAfterMs).toBeUndefined();
  });

  it('reports a refused API key as unavailable: the settings need fixing, not the order', async () => {
    const err = await failure(adapter('UPS', { apiKey: 'EZTKwrong' }).book(bookingRequest()), CarrierUnavailableError);
    expect(err.message).toContain('401');
  });
});

const JOURNEYS: JourneyCase[] = [
  { fixture: 'label-created', status: 'LABEL_PURCHASED', events: [] },
  {
    fixture: 'delivered',
    status: 'DELIVERED',
    events: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'],
    estimatedDelivery: '2025-03-12T00:00:00.000Z',
  },
  { fixture: 'in-transit', status: 'IN_TRANSIT', events: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT'], estimatedDelivery: '2025-03-13T00:00:00.000Z' },
  { fixture: 'exception', status: 'FAILURE', events: ['CONFIRMED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'FAILURE'] },
  { fixture: 'returned', status: 'RETURNED_TO_SENDER', events: ['CONFIRMED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'IN_TRANSIT', 'RETURNED_TO_SENDER'] },
  { fixture: 'available-for-pickup', status: 'READY_FOR_PICKUP', events: ['CONFIRMED', 'IN_TRANSIT', 'READY_FOR_PICKUP'] },
];

describe('EasyPost trackers → our tracking vocabulary', () => {
  const carrierOf = (trackingCode: string) => Object.values(fake.fixtures).find((f) => f.trackingCode === trackingCode)?.carrier as EasyPostCarrier;
  itMapsJourneys({
    cases: JOURNEYS,
    fixtures: () => fake.fixtures,
    trackingNumber: (c) => fake.fixtures[c.fixture].trackingCode,
    track: (tn) => adapter(carrierOf(tn)).track(tn),
    raw: (detail) => expect(detail).toHaveProperty('object', 'TrackingDetail'),
  });

  it('keeps what the carrier said through EasyPost: message, place, time and the raw detail', async () => {
    const last = (await adapter('RoyalMail').track(fake.fixtures.delivered.trackingCode)).events.at(-1);
    expect(last).toMatchObject({ status: 'DELIVERED', description: 'Delivered: Signed for by: HOLMES', location: 'LIVERPOOL, L3, GB', occurredAt: '2025-03-12T12:31:00.000Z' });
    expect(last?.raw).toMatchObject({ status: 'delivered', message: 'Delivered' });
  });

  it('asks for the tracker by code and carrier', async () => {
    const before = fake.requests.length;
    await adapter('DPDUK').track(fake.fixtures['in-transit'].trackingCode);
    const [call] = requestsSince(before, 'GET', /^\/v2\/trackers$/);
    expect(call.query).toEqual({ tracking_code: fake.fixtures['in-transit'].trackingCode, carrier: 'DPDUK' });
  });

  it('tracks a label it has just bought', async () => {
    const booking = await adapter('RoyalMail').book(bookingRequest());
    const info = await adapter('RoyalMail').track(booking.trackingNumber);
    expect(info.status).toBe('CONFIRMED');
    expect(info.events).toHaveLength(1);
  });

  it('rejects a tracking number EasyPost has no tracker for, also under another carrier', async () => {
    const unknown = await failure(adapter('RoyalMail').track('DY999999999GB'), CarrierRejectedError);
    expect(unknown.code).toBe('TRACKER.NOT_FOUND');
    await failure(adapter('UPS').track(fake.fixtures.delivered.trackingCode), CarrierRejectedError);
  });

  it('treats 429 and 503 as unavailable', async () => {
    fake.failNext(1, 429, 5, { path: /^\/v2\/trackers$/ });
    const limited = await failure(adapter('RoyalMail').track(fake.fixtures.delivered.trackingCode), CarrierUnavailableError);
    expect(limited.retryAfterMs).toBe(5_000);
    fake.failNext(1, 503, undefined, { path: /^\/v2\/trackers$/ });
    await failure(adapter('RoyalMail').track(fake.fixtures.delivered.trackingCode), CarrierUnavailableError);
  });
});

describe('EasyPost cancel', () => {
  it('refunds the label, and a second cancel is harmless', async () => {
    const booking = await adapter('UPS').book(bookingRequest());
    await adapter('UPS').cancel(booking.trackingNumber);
    const shipment = fake.shipments.find((s) => s.trackingCode === booking.trackingNumber);
    expect(shipment?.refundStatus).toBe('submitted');
    const before = fake.requests.length;
    await expect(adapter('UPS').cancel(booking.trackingNumber)).resolves.toBeUndefined();
    expect(requestsSince(before, 'POST', /\/refund$/).map((r) => r.status)).toEqual([422]);
  });

  it('will not hand back a refunded label when the same booking is asked for again', async () => {
    const req = bookingRequest();
    const booking = await adapter('RoyalMail').book(req);
    await adapter('RoyalMail').cancel(booking.trackingNumber);
    const err = await failure(adapter('RoyalMail').book(req), CarrierRejectedError);
    expect(err.code).toBe('SHIPMENT.REFUNDED');
  });

  it('rejects a cancel once the carrier has the parcel', async () => {
    const booking = await adapter('DPDUK').book(bookingRequest());
    fake.setTrackerStatus(booking.trackingNumber, 'in_transit');
    const err = await failure(adapter('DPDUK').cancel(booking.trackingNumber), CarrierRejectedError);
    expect(err.code).toBe('REFUND.REJECTED');
  });

  it('rejects a cancel of a label it does not know', async () => {
    const err = await failure(adapter('UPS').cancel('1ZDY00016899999999'), CarrierRejectedError);
    expect(err.code).toBe('SHIPMENT.NOT_FOUND');
  });
});
