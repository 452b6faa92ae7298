import { ROYAL_MAIL_EVENT_STATUS, RoyalMailTracker, royalMailCategoryStatus } from '../../domain/shipping/carriers/royalMail';
import { royalMailFixture, startFakeRoyalMail, type FakeRoyalMail } from '../fakes/carriers/royalMailServer';
import { expectStatuses, itMapsJourneys, itRetriesTransientFailures, refusedUrl, rejection, unavailability, useFake, type JourneyCase } from '../helpers/carriers';

function fixtureEvents(name: string): unknown[] {
  return (royalMailFixture(name) as { mailPieces: { events: unknown[] } }).mailPieces.events;
}

/** The in-transit fixture with its latest event's code replaced by one we have no mapping for. */
function withUnknownLatestCode(barcode: string, category: string): unknown {
  const body = structuredClone(royalMailFixture('in-transit.json')) as {
    mailPieces: { mailPieceId: string; summary: { oneDBarcode: string; lastEventCode: string; statusCategory: string }; events: Array<{ eventCode: string; eventName: string }> };
  };
  body.mailPieces.mailPieceId = barcode;
  body.mailPieces.summary.oneDBarcode = barcode;
  body.mailPieces.events[0] = { ...body.mailPieces.events[0], eventCode: 'EVZZZ', eventName: 'Something new' };
  body.mailPieces.summary.lastEventCode = 'EVZZZ';
  body.mailPieces.summary.statusCategory = category;
  return body;
}

let fake: FakeRoyalMail;
let tracker: RoyalMailTracker;

useFake(async () => {
  fake = await startFakeRoyalMail({ extraPieces: [withUnknownLatestCode('QA199999991GB', 'DELIVERED')] });
  tracker = new RoyalMailTracker({ baseUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret, timeoutMs: 2000 });
  return fake;
});

describe('Royal Mail Tracking API v2 → normalised tracking', () => {
  // in-transit: the estimate is midnight BST on 12 June, as an instant.
  const cases: Array<JourneyCase & { barcode: string }> = [
    { fixture: 'delivered.json', barcode: 'QA100000001GB', status: 'DELIVERED', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'], estimatedDelivery: '2026-03-05' },
    { fixture: 'in-transit.json', barcode: 'QA100000002GB', status: 'IN_TRANSIT', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELAYED', 'IN_TRANSIT'], estimatedDelivery: '2026-06-11T23:00:00.000Z' },
    { fixture: 'attempted-delivery.json', barcode: 'QA100000003GB', status: 'ATTEMPTED_DELIVERY', events: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY'] },
    { fixture: 'returned.json', barcode: 'QA100000004GB', status: 'RETURNED_TO_SENDER', events: ['CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'RETURNED_TO_SENDER', 'RETURNED_TO_SENDER'] },
  ];

  // Royal Mail lists newest first, same-minute scans included.
  itMapsJourneys({ cases, trackingNumber: (c) => c.barcode, track: (tn) => tracker.track(tn), newestFirst: (c) => fixtureEvents(c.fixture) });

  it('reads times with their offsets into UTC instants, and keeps names and locations', async () => {
    const info = await tracker.track('QA100000002GB');
    expect(info.events[0]).toMatchObject({ occurredAt: '2026-06-10T07:00:00.000Z', description: 'Sender despatching item', location: 'Sender' });
    expect(info.events[4]).toMatchObject({ occurredAt: '2026-06-11T03:55:00.000Z', description: 'Item Despatched to DO', location: 'Nottingham MC' });
  });

  it('accepts a barcode typed with spaces', async () => {
    const info = await tracker.track('QA 1000 0000 1GB');
    expect(info.status).toBe('DELIVERED');
    expect(fake.requests[0].path).toBe('/mailpieces/v2/QA100000001GB/events');
  });

  it('falls back to the summary statusCategory when the latest event code is unknown', async () => {
    const info = await tracker.track('QA199999991GB');
    expect(info.status).toBe('DELIVERED');
    expect(info.events[info.events.length - 1]).toMatchObject({ status: 'DELIVERED', description: 'Something new' });
  });

  it('sends the credentials and the terms header on every call', async () => {
    await tracker.track('QA100000001GB');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/mailpieces/v2/QA100000001GB/events', status: 200 });
    expect(fake.requests[0].headers['x-ibm-client-id']).toBe(fake.clientId);
    expect(fake.requests[0].headers['x-ibm-client-secret']).toBe(fake.clientSecret);
    expect(fake.requests[0].headers['x-accept-rmg-terms']).toBe('yes');
  });
});

describe('Royal Mail errors', () => {
  it('E1142 (barcode not recognised) is a rejection: retrying cannot help', async () => {
    const err = await rejection(tracker.track('QA000000000GB'));
    expect(err.code).toBe('UNKNOWN_TRACKING_NUMBER');
    expect(err.message).toContain('E1142');
  });

  // Royal Mail's rate limit says E0010; the next poll, after Retry-After, gets through.
  itRetriesTransientFailures({
    fake: () => fake,
    track: () => tracker.track('QA100000001GB'),
    status: 'DELIVERED',
    retryAfterSeconds: 30,
    rateLimitedSays: 'E0010',
    impatient: () => new RoyalMailTracker({ baseUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret, timeoutMs: 100 }).track('QA100000001GB'),
  });

  it('wrong credentials are rejected as AUTH, without leaking the secret', async () => {
    const wrong = new RoyalMailTracker({ baseUrl: fake.url, clientId: fake.clientId, clientSecret: 'not-the-secret', timeoutMs: 2000 });
    const err = await rejection(wrong.track('QA100000001GB'));
    expect(err.code).toBe('AUTH');
    expect(err.message).not.toContain('not-the-secret');
    expect(fake.requests[0].status).toBe(401);
  });

  it('a refused connection is worth retrying', async () => {
    const nowhere = new RoyalMailTracker({ baseUrl: await refusedUrl(), clientId: 'id', clientSecret: 'secret', timeoutMs: 2000 });
    await unavailability(nowhere.track('QA100000001GB'));
  });

  it('refuses to start without credentials', () => {
    expect(() => RoyalMailTracker.fromConfig({ ROYAL_MAIL_API_URL: fake.url, ROYAL_MAIL_CLIENT_ID: undefined, ROYAL_MAIL_CLIENT_SECRET: undefined })).toThrow(/ROYAL_MAIL_CLIENT_ID/);
  });
});

describe('Royal Mail status mapping', () => {
  it('maps the documented event codes', () => {
    expectStatuses((code: string) => ROYAL_MAIL_EVENT_STATUS[code], [
      ['EVKSP', 'DELIVERED'],
      ['EVKSF', 'DELIVERED'],
      ['EVGPD', 'OUT_FOR_DELIVERY'],
      ['EVKNA', 'ATTEMPTED_DELIVERY'],
      ['EVNDA', 'READY_FOR_PICKUP'],
      ['EVRTS', 'RETURNED_TO_SENDER'],
    ]);
  });

  it('reads statusCategory words, worse news first', () => {
    expectStatuses(royalMailCategoryStatus, [
      ['IN TRANSIT', 'IN_TRANSIT'],
      ['DELIVERED', 'DELIVERED'],
      ['DELIVERY ATTEMPTED', 'ATTEMPTED_DELIVERY'],
      ['READY TO COLLECT', 'READY_FOR_PICKUP'],
      ['RETURNED TO SENDER', 'RETURNED_TO_SENDER'],
      ['SOMETHING ELSE', undefined],
      [undefined, undefined],
    ]);
  });
});
