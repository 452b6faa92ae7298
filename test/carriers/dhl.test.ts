import { DhlTracker, dhlEventStatus } from '../../domain/shipping/carriers/dhl';
import { dhlFixture, startFakeDhl, type FakeDhl } from '../fakes/carriers/dhlServer';
import { expectStatuses, itMapsJourneys, itRetriesTransientFailures, rejection, useFake, type JourneyCase } from '../helpers/carriers';

function fixtureEvents(name: string): unknown[] {
  return (dhlFixture(name) as { shipments: Array<{ events: unknown[] }> }).shipments[0].events;
}

let fake: FakeDhl;
let tracker: DhlTracker;

useFake(async () => {
  fake = await startFakeDhl();
  tracker = new DhlTracker({ baseUrl: fake.url, apiKey: fake.apiKey, timeoutMs: 2000 });
  return fake;
});

describe('DHL Shipment Tracking - Unified → normalised tracking', () => {
  // "unknown" (shipment on hold) decides nothing in the returned journey: the attempted delivery before it stands.
  const cases: Array<JourneyCase & { id: string }> = [
    { fixture: 'delivered.json', id: '1234567891', status: 'DELIVERED', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'], estimatedDelivery: '2026-03-05T18:00:00.000Z' },
    { fixture: 'in-transit.json', id: '1234567892', status: 'IN_TRANSIT', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT'], estimatedDelivery: '2026-06-12T00:00:00.000Z' },
    { fixture: 'failed-delivery.json', id: '1234567893', status: 'FAILURE', events: ['CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'FAILURE'] },
    { fixture: 'returned.json', id: '1234567894', status: 'RETURNED_TO_SENDER', events: ['CARRIER_PICKED_UP', 'ATTEMPTED_DELIVERY', 'ATTEMPTED_DELIVERY', 'RETURNED_TO_SENDER', 'RETURNED_TO_SENDER'] },
  ];

  itMapsJourneys({ cases, trackingNumber: (c) => c.id, track: (tn) => tracker.track(tn), newestFirst: (c) => fixtureEvents(c.fixture) });

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

  // The quota is small: 429 is to be expected, and worth waiting for.
  itRetriesTransientFailures({
    fake: () => fake,
    track: () => tracker.track('1234567891'),
    status: 'DELIVERED',
    retryAfterSeconds: 30,
    impatient: () => new DhlTracker({ baseUrl: fake.url, apiKey: fake.apiKey, timeoutMs: 100 }).track('1234567891'),
  });

  it('a wrong API key is rejected as AUTH, without leaking the key', async () => {
    const wrong = new DhlTracker({ baseUrl: fake.url, apiKey: 'not-the-key', timeoutMs: 2000 });
    const err = await rejection(wrong.track('1234567891'));
    expect(err.code).toBe('AUTH');
    expect(err.message).not.toContain('not-the-key');
  });

  it('refuses to start without an API key', () => {
    expect(() => DhlTracker.fromConfig({ DHL_API_URL: fake.url, DHL_API_KEY: undefined })).toThrow(/DHL_API_KEY/);
  });
});

describe('DHL status mapping', () => {
  it('takes the phase from statusCode and the step from the words', () => {
    expectStatuses(dhlEventStatus, [
      ['pre-transit', 'Shipment information received', 'CONFIRMED'],
      ['transit', 'Shipment picked up', 'CARRIER_PICKED_UP'],
      ['transit', 'Processed at LEICESTER - UK', 'IN_TRANSIT'],
      ['transit', 'With delivery courier', 'OUT_FOR_DELIVERY'],
      ['transit', 'The shipment is available for pick-up at the retail outlet', 'READY_FOR_PICKUP'],
      ['transit', 'The shipment will be delivered tomorrow', 'IN_TRANSIT'],
      ['delivered', 'Delivered', 'DELIVERED'],
      ['delivered', 'Delivered back to the shipper', 'RETURNED_TO_SENDER'],
      ['failure', 'Shipment damaged', 'FAILURE'],
      ['unknown', 'Shipment on hold', undefined],
    ]);
  });
});
