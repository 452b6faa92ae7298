import { DpdTracker, dpdEventStatus } from '../../domain/shipping/carriers/dpd';
import { dpdFixture, dpdFixtureParcels, startFakeDpd, type FakeDpd } from '../fakes/carriers/dpdServer';
import { expectStatuses, itMapsJourneys, itRetriesTransientFailures, rejection, useFake, type JourneyCase } from '../helpers/carriers';

const parcels = dpdFixtureParcels();
const postcodes = new Map(parcels.map((p) => [p.parcelNumber, p.postcode]));

let fake: FakeDpd;
let tracker: DpdTracker;

useFake(async () => {
  fake = await startFakeDpd();
  tracker = new DpdTracker({ baseUrl: fake.url, postcodeFor: async (tn) => postcodes.get(tn), timeoutMs: 2000 });
  return fake;
});

describe('DPD UK parcel events → normalised tracking', () => {
  // `fixture` is the parcel's events file; parcelevents carries no estimate.
  const cases: JourneyCase[] = [
    { fixture: 'delivered.json', status: 'DELIVERED', events: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'] },
    { fixture: 'in-transit.json', status: 'IN_TRANSIT', events: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT'] },
    { fixture: 'attempted-delivery.json', status: 'ATTEMPTED_DELIVERY', events: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY'] },
    { fixture: 'returned.json', status: 'RETURNED_TO_SENDER', events: ['CONFIRMED', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'RETURNED_TO_SENDER', 'RETURNED_TO_SENDER'] },
  ];

  itMapsJourneys({
    cases,
    trackingNumber: (c) => parcels.find((p) => p.events === c.fixture)!.parcelNumber,
    track: (tn) => tracker.track(tn),
    newestFirst: (c) => (dpdFixture(c.fixture) as { data: unknown[] }).data,
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

  itRetriesTransientFailures({
    fake: () => fake,
    track: () => tracker.track('15501234560001'),
    status: 'DELIVERED',
    retryAfterSeconds: 30,
    impatient: () => new DpdTracker({ baseUrl: fake.url, timeoutMs: 100 }).track('15501234560001'),
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
});

describe('DPD UK status mapping', () => {
  it('maps the codes public trackers have seen', () => {
    const codeOnly = (code: string) => dpdEventStatus(code, 'x');
    expectStatuses(codeOnly, [['000', 'CONFIRMED'], ['009', 'IN_TRANSIT'], ['004', 'IN_TRANSIT'], ['015', 'OUT_FOR_DELIVERY']]);
    expect(dpdEventStatus('001', 'Your parcel has been delivered')).toBe('DELIVERED');
  });

  it('reads the words for codes it does not know, and for returns whatever the code', () => {
    expectStatuses(dpdEventStatus, [
      [null, 'Your parcel is at the Pickup Shop and ready to collect', 'READY_FOR_PICKUP'],
      ['999', 'We were unable to deliver your parcel', 'ATTEMPTED_DELIVERY'],
      ['001', 'Your parcel has been delivered back to the sender', 'RETURNED_TO_SENDER'],
      [null, 'Your parcel will now be delivered on Friday', undefined],
    ]);
  });
});
