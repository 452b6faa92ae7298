import { CarrierRejectedError, CarrierUnavailableError, type TrackingStatus } from '../../activities/shipping/carrier';
import { DhlTracker, dhlEventStatus } from '../../activities/shipping/carriers/dhl';
import { dhlFixture, startFakeDhl, type FakeDhl } from '../fakes/carriers/dhlServer';

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

function fixtureEvents(name: string): unknown[] {
  return (dhlFixture(name) as { shipments: Array<{ events: unknown[] }> }).shipments[0].events;
}

let fake: FakeDhl;
let tracker: DhlTracker;

beforeAll(async () => {
  fake = await startFakeDhl();
  tracker = new DhlTracker({ baseUrl: fake.url, apiKey: fake.apiKey, timeoutMs: 2000 });
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.requests.length = 0;
  fake.failNext(0, 503);
});

describe('DHL Shipment Tracking - Unified → normalised tracking', () => {
  const cases: Array<{ fixture: string; id: string; status: TrackingStatus; statuses: TrackingStatus[]; estimatedDelivery?: string }> = [
    {
      fixture: 'delivered.json',
      id: '1234567891',
      status: 'DELIVERED',
      statuses: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'],
      estimatedDelivery: '2026-03-05T18:00:00.000Z',
    },
    {
      fixture: 'in-transit.json',
      id: '1234567892',
      status: 'IN_TRANSIT',
      statuses: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT'],
      estimatedDelivery: '2026-06-12T00:00:00.000Z',
    },
    {
      fixture: 'failed-delivery.json',
      id: '1234567893',
      status: 'FAILURE',
      statuses: ['CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'FAILURE'],
    },
    {
      fixture: 'returned.json',
      id: '1234567894',
      status: 'RETURNED_TO_SENDER',
      // "unknown" (shipment on hold) decides nothing: the attempted delivery before it stands.
      statuses: ['CARRIER_PICKED_UP', 'ATTEMPTED_DELIVERY', 'ATTEMPTED_DELIVERY', 'RETURNED_TO_SENDER', 'RETURNED_TO_SENDER'],
    },
  ];

  it.each(cases)('$fixture: status from the latest event, events oldest first with their raw scans', async (c) => {
    const info = await tracker.track(c.id);
    expect(info.trackingNumber).toBe(c.id);
    expect(info.status).toBe(c.status);
    expect(info.events.map((e) => e.status)).toEqual(c.statuses);
    const times = info.events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // DHL lists newest first.
    expect(info.events.map((e) => e.raw)).toEqual([...fixtureEvents(c.fixture)].reverse());
    expect(info.estimatedDelivery).toBe(c.estimatedDelivery);
  });

  it('keeps descriptions and locations, and reads offset-less times as UTC', async () => {
    const info = await tracker.track('1234567892');
    expect(info.events[0]).toMatchObject({ occurredAt: '2026-06-10T10:31:00.000Z', description: 'Shipment information received', location: 'LOUGHBOROUGH - UK' });
  });

  it('sends the API key and the tracking number, and the service when configured', async () => {
    const express = new DhlTracker({ baseUrl: fake.url, apiKey: fake.apiKey, service: 'express', timeoutMs: 2000 });
    await express.track('1234567891');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/track/shipments', query: { trackingNumber: '1234567891', service: 'express' }, status: 200 });
    expect(fake.requests[0].headers['dhl-api-key']).toBe(fake.apiKey);
  });
});

describe('DHL errors', () => {
  it('404 "No shipment with given tracking number found." is a rejection', async () => {
    const err = await rejection(tracker.track('9999999999'));
    expect(err.code).toBe('UNKNOWN_TRACKING_NUMBER');
    expect(err.message).toContain('No shipment with given tracking number found.');
  });

  it('a 404 for a wrong path is not mistaken for an unknown shipment', async () => {
    const misconfigured = new DhlTracker({ baseUrl: `${fake.url}/wrong`, apiKey: fake.apiKey, timeoutMs: 2000 });
    const err = await rejection(misconfigured.track('1234567891'));
    expect(err.code).toBe('HTTP_404');
  });

  it('429 (the quota is small) is worth retrying, after Retry-After', async () => {
    fake.failNext(1, 429, 30);
    const err = await unavailability(tracker.track('1234567891'));
    expect(err.retryAfterMs).toBe(30_000);
    await expect(tracker.track('1234567891')).resolves.toMatchObject({ status: 'DELIVERED' });
  });

  it('503 is worth retrying', async () => {
    fake.failNext(1, 503);
    const err = await unavailability(tracker.track('1234567891'));
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('a wrong API key is rejected as AUTH, without leaking the key', async () => {
    const wrong = new DhlTracker({ baseUrl: fake.url, apiKey: 'not-the-key', timeoutMs: 2000 });
    const err = await rejection(wrong.track('1234567891'));
    expect(err.code).toBe('AUTH');
    expect(err.message).not.toContain('not-the-key');
  });

  it('a timeout is worth retrying', async () => {
    fake.stallNext(1000);
    const impatient = new DhlTracker({ baseUrl: fake.url, apiKey: fake.apiKey, timeoutMs: 100 });
    const err = await unavailability(impatient.track('1234567891'));
    expect(err.message).toMatch(/timed out after 100 ms/);
  });

  it('refuses to start without an API key', () => {
    expect(() => DhlTracker.fromConfig({ DHL_API_URL: fake.url, DHL_API_KEY: undefined })).toThrow(/DHL_API_KEY/);
  });
});

describe('DHL status mapping', () => {
  it('takes the phase from statusCode and the step from the words', () => {
    expect(dhlEventStatus('pre-transit', 'Shipment information received')).toBe('CONFIRMED');
    expect(dhlEventStatus('transit', 'Shipment picked up')).toBe('CARRIER_PICKED_UP');
    expect(dhlEventStatus('transit', 'Processed at LEICESTER - UK')).toBe('IN_TRANSIT');
    expect(dhlEventStatus('transit', 'With delivery courier')).toBe('OUT_FOR_DELIVERY');
    expect(dhlEventStatus('transit', 'The shipment is available for pick-up at the retail outlet')).toBe('READY_FOR_PICKUP');
    expect(dhlEventStatus('transit', 'The shipment will be delivered tomorrow')).toBe('IN_TRANSIT');
    expect(dhlEventStatus('delivered', 'Delivered')).toBe('DELIVERED');
    expect(dhlEventStatus('delivered', 'Delivered back to the shipper')).toBe('RETURNED_TO_SENDER');
    expect(dhlEventStatus('failure', 'Shipment damaged')).toBe('FAILURE');
    expect(dhlEventStatus('unknown', 'Shipment on hold')).toBeUndefined();
  });
});
