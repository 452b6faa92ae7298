import { FedExAdapter, type FedExAdapterOptions } from '../../domain/shipping/carriers/fedex';
import { startFakeFedEx, type FakeFedEx } from '../fakes/carriers/fedexServer';
import { itMapsJourneys, itTracksWithOAuth, rejection, unavailability, useFake, type JourneyCase } from '../helpers/carriers';

let fake: FakeFedEx;

useFake(async () => (fake = await startFakeFedEx()));

function adapter(overrides: Partial<FedExAdapterOptions> = {}): FedExAdapter {
  return new FedExAdapter({ apiUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret, timeoutMs: 2_000, ...overrides });
}

// Oldest event first. "OD" scans carry derivedStatusCode "IT" in FedEx's answers: the scan code must win.
const JOURNEYS: JourneyCase[] = [
  { fixture: 'delivered', status: 'DELIVERED', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'] },
  { fixture: 'in-transit', status: 'IN_TRANSIT', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT'], estimatedDelivery: '2025-03-13T18:00:00.000Z' },
  { fixture: 'exception', status: 'FAILURE', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'FAILURE'] },
  {
    fixture: 'attempted',
    status: 'ATTEMPTED_DELIVERY',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY'],
    estimatedDelivery: '2025-03-12T18:00:00.000Z',
  },
  {
    fixture: 'returned',
    status: 'RETURNED_TO_SENDER',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'RETURNED_TO_SENDER'],
  },
  { fixture: 'hold-at-location', status: 'READY_FOR_PICKUP', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'READY_FOR_PICKUP'] },
  { fixture: 'delayed', status: 'DELAYED', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELAYED'], estimatedDelivery: '2025-03-14T18:00:00.000Z' },
];

describe('FedEx Track API → our tracking vocabulary', () => {
  itMapsJourneys({ cases: JOURNEYS, fixtures: () => fake.fixtures, track: (tn) => adapter().track(tn), raw: (scan) => expect(scan).toHaveProperty('eventType') });

  it('keeps what FedEx said: description with the exception reason, place, time and the raw scan', async () => {
    const last = (await adapter().track(fake.fixtures.delivered)).events.at(-1);
    expect(last).toMatchObject({ status: 'DELIVERED', description: 'Delivered: Left at front door. Signature Service not requested.', location: 'MANCHESTER, GB' });
    expect(last).toMatchObject({ occurredAt: '2025-03-12T11:42:00.000Z', raw: { eventType: 'DL', derivedStatusCode: 'DL' } });
    const attempted = await adapter().track(fake.fixtures.attempted);
    expect(attempted.events.at(-1)?.description).toBe('Delivery exception: Customer not available or business closed');
  });

  it('sends the documented request: bearer token, detailed scans, one tracking number', async () => {
    const a = adapter();
    const trackingNumber = fake.fixtures['in-transit'];
    const before = fake.requests.length;
    await a.track(trackingNumber);
    const [tokenCall, trackCall] = fake.requests.slice(before);
    expect(tokenCall).toMatchObject({
      method: 'POST',
      path: '/oauth/token',
      status: 200,
      body: { grant_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret },
    });
    expect(trackCall).toMatchObject({
      method: 'POST',
      path: '/track/v1/trackingnumbers',
      status: 200,
      body: { includeDetailedScans: true, trackingInfo: [{ trackingNumberInfo: { trackingNumber } }] },
    });
    expect(trackCall.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(trackCall.headers['x-locale']).toBe('en_GB');
  });

  it('rejects a number FedEx does not know (reported inside a 200)', async () => {
    const err = await rejection(adapter().track('123456789999'));
    expect(err.code).toBe('TRACKING.TRACKINGNUMBER.NOTFOUND');
  });

  // FedEx reports even refused credentials and rate limits with its own codes.
  itTracksWithOAuth({
    fake: () => fake,
    adapter,
    unreachable: (url) => adapter({ apiUrl: url }),
    tokenCall: 'POST /oauth/token',
    trackCall: () => 'POST /track/v1/trackingnumbers',
    tokenLifetimeSeconds: 3599,
    refusedCredentialsSay: 'NOT.AUTHORIZED.ERROR',
    retryAfterSeconds: 7,
    rateLimitedSays: 'TOO.MANY.REQUESTS.ERROR',
  });

  it('refreshes only once: a fresh token refused too is reported as unavailable', async () => {
    const a = adapter();
    await a.track(fake.fixtures.delivered);
    const before = fake.requests.length;
    fake.acceptTokens = false;
    try {
      const err = await unavailability(a.track(fake.fixtures.delivered));
      expect(err.message).toContain('401');
    } finally {
      fake.acceptTokens = true;
    }
    expect(fake.requests.slice(before).map((r) => `${r.path} ${r.status}`)).toEqual([
      '/track/v1/trackingnumbers 401',
      '/oauth/token 200',
      '/track/v1/trackingnumbers 401',
    ]);
  });
});
