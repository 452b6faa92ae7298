import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CarrierRejectedError, CarrierUnavailableError, type TrackingStatus } from '../../activities/shipping/carrier';
import { UpsAdapter, type UpsAdapterOptions } from '../../activities/shipping/carriers/ups';
import { startFakeUps, type FakeUps } from '../fakes/carriers/upsServer';

let fake: FakeUps;

beforeAll(async () => {
  fake = await startFakeUps();
});

afterAll(async () => {
  await fake.close();
});

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

async function failure<E extends Error>(p: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}

interface Journey {
  fixture: string;
  status: TrackingStatus;
  events: TrackingStatus[];
  estimatedDelivery?: string;
}

// Oldest activity first. "Out For Delivery Today" is type I with code OT in UPS's answers; the code must win.
const JOURNEYS: Journey[] = [
  {
    // currentStatus has no `type` here, as in some live answers: the newest activity decides.
    fixture: 'delivered',
    status: 'DELIVERED',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'],
  },
  {
    fixture: 'in-transit',
    status: 'IN_TRANSIT',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT'],
    estimatedDelivery: '2025-03-13',
  },
  {
    // "The address is incorrect. We're attempting to update this address." — an address problem, not a missed delivery.
    fixture: 'exception',
    status: 'FAILURE',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'FAILURE'],
    estimatedDelivery: '2025-03-11',
  },
  {
    fixture: 'returned',
    status: 'RETURNED_TO_SENDER',
    events: [
      'CONFIRMED',
      'CARRIER_PICKED_UP',
      'IN_TRANSIT',
      'IN_TRANSIT',
      'IN_TRANSIT',
      'OUT_FOR_DELIVERY',
      'ATTEMPTED_DELIVERY',
      'OUT_FOR_DELIVERY',
      'RETURNED_TO_SENDER',
      'RETURNED_TO_SENDER',
    ],
    estimatedDelivery: '2025-03-04',
  },
  {
    // A rescheduled date (RDD) replaces the scheduled one.
    fixture: 'delayed',
    status: 'DELAYED',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELAYED'],
    estimatedDelivery: '2025-03-14',
  },
];

describe('UPS Tracking API → our tracking vocabulary', () => {
  it('has a test for every journey fixture', () => {
    expect(Object.keys(fake.fixtures).sort()).toEqual(JOURNEYS.map((j) => j.fixture).sort());
  });

  it.each(JOURNEYS)('maps the $fixture journey', async ({ fixture, status, events, estimatedDelivery }) => {
    const trackingNumber = fake.fixtures[fixture];
    const info = await adapter().track(trackingNumber);
    expect(info.trackingNumber).toBe(trackingNumber);
    expect(info.status).toBe(status);
    expect(info.events.map((e) => e.status)).toEqual(events);
    expect(info.estimatedDelivery).toBe(estimatedDelivery);
    const times = info.events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const e of info.events) expect(e.raw).toHaveProperty('status.type');
  });

  it('keeps what UPS said: trimmed description, place, time with its offset and the raw activity', async () => {
    const info = await adapter().track(fake.fixtures.delivered);
    expect(info.events.at(-1)).toMatchObject({
      status: 'DELIVERED',
      description: 'DELIVERED',
      location: 'EDINBURGH, GB',
      occurredAt: '2025-03-12T13:45:12.000Z',
      raw: { status: { type: 'D', code: 'FS' } },
    });
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
    const err = await failure(adapter().track('1ZDY00016899999999'), CarrierRejectedError);
    expect(err.code).toBe('151044');
    expect(err.message).toContain('No tracking information available');
  });

  it('treats 429 as unavailable and honours Retry-After', async () => {
    const a = adapter();
    fake.failNext(1, 429, 3);
    const err = await failure(a.track(fake.fixtures.delivered), CarrierUnavailableError);
    expect(err.retryAfterMs).toBe(3_000);
    await expect(a.track(fake.fixtures.delivered)).resolves.toMatchObject({ status: 'DELIVERED' });
  });

  it('treats 503 and 500 as unavailable', async () => {
    fake.failNext(1, 503);
    await failure(adapter().track(fake.fixtures.delivered), CarrierUnavailableError);
    fake.failNext(1, 500);
    await failure(adapter().track(fake.fixtures.delivered), CarrierUnavailableError);
  });

  it('fetches one token and reuses it, also for concurrent calls', async () => {
    const a = adapter();
    const before = fake.tokensIssued;
    await Promise.all([a.track(fake.fixtures.delivered), a.track(fake.fixtures['in-transit']), a.track(fake.fixtures.returned)]);
    await a.track(fake.fixtures.delayed);
    expect(fake.tokensIssued - before).toBe(1);
    expect(a.tokens.fetched).toBe(1);
  });

  it('refreshes the token once after a 401 and retries the call', async () => {
    const a = adapter();
    await a.track(fake.fixtures.delivered);
    const before = fake.requests.length;
    fake.expireTokens();
    await expect(a.track(fake.fixtures.delivered)).resolves.toMatchObject({ status: 'DELIVERED' });
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 401', 'POST 200', 'GET 200']);
    expect(a.tokens.fetched).toBe(2);
  });

  it('reads expires_in as UPS sends it (a string) and renews shortly before it', async () => {
    let clock = Date.parse('2025-03-12T09:00:00Z');
    const a = adapter({ now: () => clock });
    await a.track(fake.fixtures.delivered);
    clock += 14_000_000; // still more than a minute before UPS's 14399 s
    await a.track(fake.fixtures.delivered);
    expect(a.tokens.fetched).toBe(1);
    clock += 380_000; // now inside the last minute
    await a.track(fake.fixtures.delivered);
    expect(a.tokens.fetched).toBe(2);
  });

  it('reports refused credentials as unavailable: the settings need fixing, not the parcel', async () => {
    const err = await failure(adapter({ clientSecret: 'wrong' }).track(fake.fixtures.delivered), CarrierUnavailableError);
    expect(err.message).toContain('401');
  });

  it('reports an unreachable UPS as unavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await failure(adapter({ tokenUrl: `http://127.0.0.1:${port}/security/v1/oauth/token` }).track(fake.fixtures.delivered), CarrierUnavailableError);
  });

  it('refuses to book without an EasyPost adapter for UPS', async () => {
    const err = await failure(
      adapter().book({
        idempotencyKey: 'shipment-DY-2-1',
        orderNumber: 'DY-2',
        recipientName: 'Ada Lovelace',
        address: { line1: '1 High St', city: 'Leeds', postcode: 'LS1 1AA', country: 'GB' },
        weightGrams: 500,
      }),
      CarrierRejectedError,
    );
    expect(err.code).toBe('BOOKING_NOT_CONFIGURED');
  });
});
