import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CarrierRejectedError,
  CarrierUnavailableError,
  type Booking,
  type BookingRequest,
  type CarrierAdapter,
  type TrackingStatus,
} from '../../activities/shipping/carrier';
import { FedExAdapter, type FedExAdapterOptions } from '../../activities/shipping/carriers/fedex';
import { startFakeFedEx, type FakeFedEx } from '../fakes/carriers/fedexServer';

let fake: FakeFedEx;

beforeAll(async () => {
  fake = await startFakeFedEx();
});

afterAll(async () => {
  await fake.close();
});

function adapter(overrides: Partial<FedExAdapterOptions> = {}): FedExAdapter {
  return new FedExAdapter({ apiUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret, timeoutMs: 2_000, ...overrides });
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

// Oldest event first. "OD" scans carry derivedStatusCode "IT" in FedEx's answers: the scan code must win.
const JOURNEYS: Journey[] = [
  {
    fixture: 'delivered',
    status: 'DELIVERED',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'],
  },
  {
    fixture: 'in-transit',
    status: 'IN_TRANSIT',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT'],
    estimatedDelivery: '2025-03-13T18:00:00.000Z',
  },
  {
    fixture: 'exception',
    status: 'FAILURE',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'FAILURE'],
  },
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
  {
    fixture: 'hold-at-location',
    status: 'READY_FOR_PICKUP',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', 'READY_FOR_PICKUP'],
  },
  {
    fixture: 'delayed',
    status: 'DELAYED',
    events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELAYED'],
    estimatedDelivery: '2025-03-14T18:00:00.000Z',
  },
];

describe('FedEx Track API → our tracking vocabulary', () => {
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
    for (const e of info.events) {
      expect(e.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
      expect(e.raw).toHaveProperty('eventType');
    }
  });

  it('keeps what FedEx said: description with the exception reason, place, time and the raw scan', async () => {
    const info = await adapter().track(fake.fixtures.delivered);
    expect(info.events.at(-1)).toMatchObject({
      status: 'DELIVERED',
      description: 'Delivered: Left at front door. Signature Service not requested.',
      location: 'MANCHESTER, GB',
      occurredAt: '2025-03-12T11:42:00.000Z',
      raw: { eventType: 'DL', derivedStatusCode: 'DL' },
    });
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
    const err = await failure(adapter().track('123456789999'), CarrierRejectedError);
    expect(err.code).toBe('TRACKING.TRACKINGNUMBER.NOTFOUND');
  });

  it('treats 429 as unavailable and honours Retry-After', async () => {
    const a = adapter();
    fake.failNext(1, 429, 7);
    const err = await failure(a.track(fake.fixtures.delivered), CarrierUnavailableError);
    expect(err.retryAfterMs).toBe(7_000);
    expect(err.message).toContain('TOO.MANY.REQUESTS.ERROR');
    await expect(a.track(fake.fixtures.delivered)).resolves.toMatchObject({ status: 'DELIVERED' });
  });

  it('treats 503 as unavailable', async () => {
    fake.failNext(1, 503);
    const err = await failure(adapter().track(fake.fixtures.delivered), CarrierUnavailableError);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('fetches one token and reuses it, also for concurrent calls', async () => {
    const a = adapter();
    const before = fake.tokensIssued;
    await Promise.all([a.track(fake.fixtures.delivered), a.track(fake.fixtures['in-transit']), a.track(fake.fixtures.exception)]);
    await a.track(fake.fixtures.delayed);
    await a.track(fake.fixtures.returned);
    expect(fake.tokensIssued - before).toBe(1);
    expect(a.tokens.fetched).toBe(1);
  });

  it('refreshes the token once after a 401 and retries the call', async () => {
    const a = adapter();
    await a.track(fake.fixtures.delivered);
    const before = fake.requests.length;
    fake.expireTokens();
    await expect(a.track(fake.fixtures.delivered)).resolves.toMatchObject({ status: 'DELIVERED' });
    expect(fake.requests.slice(before).map((r) => `${r.path} ${r.status}`)).toEqual([
      '/track/v1/trackingnumbers 401',
      '/oauth/token 200',
      '/track/v1/trackingnumbers 200',
    ]);
    expect(a.tokens.fetched).toBe(2);
  });

  it('refreshes only once: a fresh token refused too is reported as unavailable', async () => {
    const a = adapter();
    await a.track(fake.fixtures.delivered);
    const before = fake.requests.length;
    fake.acceptTokens = false;
    try {
      const err = await failure(a.track(fake.fixtures.delivered), CarrierUnavailableError);
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

  it('renews the token shortly before expires_in rather than waiting for a 401', async () => {
    let clock = Date.parse('2025-03-12T09:00:00Z');
    const a = adapter({ now: () => clock });
    await a.track(fake.fixtures.delivered);
    clock += 3_599_000 - 30_000; // inside the last minute of FedEx's 3599 s
    const before = fake.requests.length;
    await a.track(fake.fixtures.delivered);
    expect(fake.requests.slice(before).map((r) => `${r.path} ${r.status}`)).toEqual(['/oauth/token 200', '/track/v1/trackingnumbers 200']);
    expect(a.tokens.fetched).toBe(2);
  });

  it('reports refused credentials as unavailable: the settings need fixing, not the parcel', async () => {
    const err = await failure(adapter({ clientSecret: 'wrong' }).track(fake.fixtures.delivered), CarrierUnavailableError);
    expect(err.message).toContain('401');
    expect(err.message).toContain('NOT.AUTHORIZED.ERROR');
  });

  it('reports an unreachable FedEx as unavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await failure(adapter({ apiUrl: `http://127.0.0.1:${port}` }).track(fake.fixtures.delivered), CarrierUnavailableError);
  });

  it('books and cancels through the configured EasyPost adapter, and refuses without one', async () => {
    const calls: string[] = [];
    const bookings: CarrierAdapter = {
      name: 'easypost-fedex',
      book: async (req: BookingRequest): Promise<Booking> => {
        calls.push(`book ${req.idempotencyKey}`);
        return { carrier: 'FedEx', trackingNumber: '794699999999', labelUrl: 'https://example.test/label.png' };
      },
      track: async () => {
        throw new Error('not used');
      },
      cancel: async (tn: string) => {
        calls.push(`cancel ${tn}`);
      },
    };
    const req: BookingRequest = {
      idempotencyKey: 'shipment-DY-1-1',
      orderNumber: 'DY-1',
      recipientName: 'Ada Lovelace',
      address: { line1: '1 High St', city: 'Leeds', postcode: 'LS1 1AA', country: 'GB' },
      weightGrams: 500,
    };
    await expect(adapter({ bookings }).book(req)).resolves.toMatchObject({ trackingNumber: '794699999999' });
    await adapter({ bookings }).cancel('794699999999');
    expect(calls).toEqual(['book shipment-DY-1-1', 'cancel 794699999999']);
    const err = await failure(adapter().book(req), CarrierRejectedError);
    expect(err.code).toBe('BOOKING_NOT_CONFIGURED');
  });
});
