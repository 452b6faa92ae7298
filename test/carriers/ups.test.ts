import { UpsAdapter, type UpsAdapterOptions } from '../../domain/shipping/carriers/ups';
import { startFakeUps, type FakeUps } from '../fakes/carriers/upsServer';
import { itMapsJourneys, itTracksWithOAuth, rejection, useFake, type JourneyCase } from '../helpers/carriers';

let fake: FakeUps;

useFake(async () => (fake = await startFakeUps()));

function adapter(overrides: Partial<UpsAdapterOptions> = {}): UpsAdapter {
  return new UpsAdapter({
    apiUrl: fake.url,
    tokenUrl: fake.tokenUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    timeoutMs: 2_000,
    ...overrides,
  });
}

// Oldest activity first. "Out For Delivery Today" is type I with code OT in UPS's answers; the code must win.
// currentStatus has no `type` in the delivered answer, as in some live ones: the newest activity decides. The
// exception is "The address is incorrect. We're attempting to update this address.": an address problem, not a
// missed delivery. In the delayed answer a rescheduled date (RDD) replaces the scheduled one.
const JOURNEYS: JourneyCase[] = [
  { fixture: 'delivered', status: 'DELIVERED', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'] },
  { fixture: 'in-transit', status: 'IN_TRANSIT', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT'], estimatedDelivery: '2025-03-13' },
  { fixture: 'exception', status: 'FAILURE', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'FAILURE'], estimatedDelivery: '2025-03-11' },
  {
    fixture: 'returned',
    status: 'RETURNED_TO_SENDER',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'OUT_FOR_DELIVERY', 'RETURNED_TO_SENDER', 'RETURNED_TO_SENDER'],
    estimatedDelivery: '2025-03-04',
  },
  { fixture: 'delayed', status: 'DELAYED', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELAYED'], estimatedDelivery: '2025-03-14' },
];

describe('UPS Tracking API → our tracking vocabulary', () => {
  itMapsJourneys({ cases: JOURNEYS, fixtures: () => fake.fixtures, track: (tn) => adapter().track(tn), raw: (activity) => expect(activity).toHaveProperty('status.type') });

  it('keeps what UPS said: trimmed description, place, time with its offset and the raw activity', async () => {
    const info = await adapter().track(fake.fixtures.delivered);
    expect(info.events.at(-1)).toMatchObject({ status: 'DELIVERED', description: 'DELIVERED', location: 'EDINBURGH, GB', occurredAt: '2025-03-12T13:45:12.000Z' });
    expect(info.events.at(-1)?.raw).toMatchObject({ status: { type: 'D', code: 'FS' } });
    expect(info.events[0]).toMatchObject({ status: 'CONFIRMED', location: 'GB', description: 'Shipper created a label, UPS has not received the package yet.' });
  });

  it('sends the documented request: bearer token, transId, transactionSrc, en_GB', async () => {
    const a = adapter({ merchantId: '123456' });
    const trackingNumber = fake.fixtures['in-transit'];
    const before = fake.requests.length;
    await a.track(trackingNumber);
    await a.track(trackingNumber);
    const [tokenCall, first, second] = fake.requests.slice(before);
    expect(tokenCall).toMatchObject({ method: 'POST', path: '/security/v1/oauth/token', status: 200, form: { grant_type: 'client_credentials' } });
    expect(tokenCall.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`);
    expect(tokenCall.headers['x-merchant-id']).toBe('123456');
    expect(first).toMatchObject({
      method: 'GET',
      path: `/api/track/v1/details/${trackingNumber}`,
      status: 200,
      query: { locale: 'en_GB', returnSignature: 'false', returnMilestones: 'false', returnPOD: 'false' },
    });
    expect(first.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(first.headers.transactionsrc).toBe('dy-orders');
    expect(first.headers.transid).toMatch(/^[0-9a-f]{32}$/);
    expect(second.headers.transid).not.toBe(first.headers.transid);
  });

  it('rejects a number UPS has no information for (404, 151044)', async () => {
    const err = await rejection(adapter().track('1ZDY00016899999999'));
    expect(err.code).toBe('151044');
    expect(err.message).toContain('No tracking information available');
  });

  // UPS sends expires_in as a string ("14399"); the token comes from its own host, not the API's.
  itTracksWithOAuth({
    fake: () => fake,
    adapter,
    unreachable: (url) => adapter({ tokenUrl: `${url}/security/v1/oauth/token` }),
    tokenCall: 'POST /security/v1/oauth/token',
    trackCall: (trackingNumber) => `GET /api/track/v1/details/${trackingNumber}`,
    tokenLifetimeSeconds: 14_399,
    retryAfterSeconds: 3,
  });
});
