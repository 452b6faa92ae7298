import { CarrierRejectedError, CarrierUnavailableError, type TrackingStatus } from '../../activities/shipping/carrier';
import { DpdTracker, dpdEventStatus } from '../../activities/shipping/carriers/dpd';
import { dpdFixture, dpdFixtureParcels, startFakeDpd, type FakeDpd } from '../fakes/carriers/dpdServer';

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
}

async function rejection(p: Promise<unknown>): Promise<CarrierRejectedError> {
  const err = await failure(p);
  expect(err).toBeInstanceOf(CarrierRejectedError);
  return err as CarrierRejectedError;
}

async function unavailability(p: Promise<unknown>): Promise<CarrierUnavailableError> {
  const err = await failure(p);
  expect(err).toBeInstanceOf(CarrierUnavailableError);
  return err as CarrierUnavailableError;
}

const parcels = dpdFixtureParcels();
const postcodes = new Map(parcels.map((p) => [p.parcelNumber, p.postcode]));

let fake: FakeDpd;
let tracker: DpdTracker;

beforeAll(async () => {
  fake = await startFakeDpd();
  tracker = new DpdTracker({ baseUrl: fake.url, postcodeFor: async (tn) => postcodes.get(tn), timeoutMs: 2000 });
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.requests.length = 0;
  fake.failNext(0, 503);
});

describe('DPD UK parcel events → normalised tracking', () => {
  const cases: Array<{ events: string; status: TrackingStatus; statuses: TrackingStatus[] }> = [
    { events: 'delivered.json', status: 'DELIVERED', statuses: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'] },
    { events: 'in-transit.json', status: 'IN_TRANSIT', statuses: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT'] },
    { events: 'attempted-delivery.json', status: 'ATTEMPTED_DELIVERY', statuses: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY'] },
    {
      events: 'returned.json',
      status: 'RETURNED_TO_SENDER',
      statuses: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'RETURNED_TO_SENDER', 'RETURNED_TO_SENDER'],
    },
  ];

  it.each(cases)('$events: status from the latest event, events oldest first with their raw scans', async (c) => {
    const parcel = parcels.find((p) => p.events === c.events)!;
    const info = await tracker.track(parcel.parcelNumber);
    expect(info.trackingNumber).toBe(parcel.parcelNumber);
    expect(info.status).toBe(c.status);
    expect(info.events.map((e) => e.status)).toEqual(c.statuses);
    const times = info.events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // DPD lists newest first.
    expect(info.events.map((e) => e.raw)).toEqual([...(dpdFixture(c.events) as { data: unknown[] }).data].reverse());
    // parcelevents carries no estimate.
    expect(info.estimatedDelivery).toBeUndefined();
  });

  it('reads DPD times as UK wall-clock time, either side of the clocks going forward', async () => {
    const info = await tracker.track('15501234560001');
    // GMT on Saturday 28 March, BST from Sunday 29 March.
    expect(info.events[1]).toMatchObject({ occurredAt: '2026-03-28T18:30:00.000Z', location: 'Hinckley Hub', description: "We have your parcel, and it's on its way to our hub" });
    expect(info.events[2]).toMatchObject({ occurredAt: '2026-03-30T03:12:00.000Z', location: 'Leicester' });
    // An empty eventLocation is no location.
    expect(info.events[0].location).toBeUndefined();
  });

  it('looks the parcel up with its postcode, then reads events under the code DPD redirected to', async () => {
    await tracker.track('15501234560002');
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([
      ['/v1/track', 302],
      ['/v1/parcels/15501234560002*21358/parcelevents', 200],
    ]);
    expect(fake.requests[0].query).toEqual({ parcel: '15501234560002', postcode: 'NG1 2BB' });
  });

  it('works without a postcode lookup: the postcode is then not sent', async () => {
    const bare = new DpdTracker({ baseUrl: fake.url, timeoutMs: 2000 });
    await expect(bare.track('15501234560001')).resolves.toMatchObject({ status: 'DELIVERED' });
    expect(fake.requests[0].query).toEqual({ parcel: '15501234560001' });
  });

  it('sends the gateway headers it was given on both calls', async () => {
    const gated = await startFakeDpd({ requiredHeaders: { 'X-Api-Key': 'gateway-key' } });
    try {
      const withKey = new DpdTracker({ baseUrl: gated.url, headers: { 'X-Api-Key': 'gateway-key' }, timeoutMs: 2000 });
      await expect(withKey.track('15501234560001')).resolves.toMatchObject({ status: 'DELIVERED' });
      expect(gated.requests.map((r) => r.headers['x-api-key'])).toEqual(['gateway-key', 'gateway-key']);
    } finally {
      await gated.close();
    }
  });
});

describe('DPD UK errors', () => {
  it('an unknown parcel number is a rejection', async () => {
    const err = await rejection(tracker.track('15500000000000'));
    expect(err.code).toBe('UNKNOWN_TRACKING_NUMBER');
  });

  it('a postcode that does not match the parcel is a rejection too', async () => {
    const wrongPostcode = new DpdTracker({ baseUrl: fake.url, postcodeFor: async () => 'ZZ9 9ZZ', timeoutMs: 2000 });
    const err = await rejection(wrongPostcode.track('15501234560001'));
    expect(err.code).toBe('UNKNOWN_TRACKING_NUMBER');
    // The customer's postcode stays out of error messages (and so out of logs).
    expect(err.message).not.toContain('ZZ9');
  });

  it('429 is worth retrying, after Retry-After', async () => {
    fake.failNext(1, 429, 30);
    const err = await unavailability(tracker.track('15501234560001'));
    expect(err.retryAfterMs).toBe(30_000);
    await expect(tracker.track('15501234560001')).resolves.toMatchObject({ status: 'DELIVERED' });
  });

  it('503 is worth retrying', async () => {
    fake.failNext(1, 503);
    const err = await unavailability(tracker.track('15501234560001'));
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('refused credentials (a gateway in front of DPD) are rejected as AUTH', async () => {
    const gated = await startFakeDpd({ requiredHeaders: { 'X-Api-Key': 'gateway-key' } });
    try {
      const wrong = new DpdTracker({ baseUrl: gated.url, headers: { 'X-Api-Key': 'not-the-key' }, timeoutMs: 2000 });
      const err = await rejection(wrong.track('15501234560001'));
      expect(err.code).toBe('AUTH');
      expect(err.message).not.toContain('not-the-key');
    } finally {
      await gated.close();
    }
  });

  it('a timeout is worth retrying', async () => {
    fake.stallNext(1000);
    const impatient = new DpdTracker({ baseUrl: fake.url, timeoutMs: 100 });
    const err = await unavailability(impatient.track('15501234560001'));
    expect(err.message).toMatch(/timed out after 100 ms/);
  });
});

describe('DPD UK status mapping', () => {
  it('maps the codes public trackers have seen', () => {
    expect(dpdEventStatus('000', 'x')).toBe('CONFIRMED');
    expect(dpdEventStatus('009', 'x')).toBe('IN_TRANSIT');
    expect(dpdEventStatus('004', 'x')).toBe('IN_TRANSIT');
    expect(dpdEventStatus('015', 'x')).toBe('OUT_FOR_DELIVERY');
    expect(dpdEventStatus('001', 'Your parcel has been delivered')).toBe('DELIVERED');
  });

  it('reads the words for codes it does not know, and for returns whatever the code', () => {
    expect(dpdEventStatus(null, "Your parcel is at the Pickup Shop and ready to collect")).toBe('READY_FOR_PICKUP');
    expect(dpdEventStatus('999', 'We were unable to deliver your parcel')).toBe('ATTEMPTED_DELIVERY');
    expect(dpdEventStatus('001', 'Your parcel has been delivered back to the sender')).toBe('RETURNED_TO_SENDER');
    expect(dpdEventStatus(null, 'Your parcel will now be delivered on Friday')).toBeUndefined();
  });
});
