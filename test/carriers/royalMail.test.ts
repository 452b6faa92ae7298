import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CarrierRejectedError, CarrierUnavailableError, type TrackingStatus } from '../../activities/shipping/carrier';
import { ROYAL_MAIL_EVENT_STATUS, RoyalMailTracker, royalMailCategoryStatus } from '../../activities/shipping/carriers/royalMail';
import { royalMailFixture, startFakeRoyalMail, type FakeRoyalMail } from '../fakes/carriers/royalMailServer';

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

beforeAll(async () => {
  fake = await startFakeRoyalMail({ extraPieces: [withUnknownLatestCode('QA199999991GB', 'DELIVERED')] });
  tracker = new RoyalMailTracker({ baseUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret, timeoutMs: 2000 });
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.requests.length = 0;
  fake.failNext(0, 503);
});

describe('Royal Mail Tracking API v2 → normalised tracking', () => {
  const cases: Array<{ fixture: string; barcode: string; status: TrackingStatus; statuses: TrackingStatus[]; estimatedDelivery?: string }> = [
    {
      fixture: 'delivered.json',
      barcode: 'QA100000001GB',
      status: 'DELIVERED',
      statuses: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'],
      estimatedDelivery: '2026-03-05',
    },
    {
      fixture: 'in-transit.json',
      barcode: 'QA100000002GB',
      status: 'IN_TRANSIT',
      statuses: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELAYED', 'IN_TRANSIT'],
      // Midnight BST on 12 June, as an instant.
      estimatedDelivery: '2026-06-11T23:00:00.000Z',
    },
    {
      fixture: 'attempted-delivery.json',
      barcode: 'QA100000003GB',
      status: 'ATTEMPTED_DELIVERY',
      statuses: ['CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY'],
    },
    {
      fixture: 'returned.json',
      barcode: 'QA100000004GB',
      status: 'RETURNED_TO_SENDER',
      statuses: ['CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'RETURNED_TO_SENDER', 'RETURNED_TO_SENDER'],
    },
  ];

  it.each(cases)('$fixture: status from the latest event, events oldest first with their raw scans', async (c) => {
    const info = await tracker.track(c.barcode);
    expect(info.trackingNumber).toBe(c.barcode);
    expect(info.status).toBe(c.status);
    expect(info.events.map((e) => e.status)).toEqual(c.statuses);
    const times = info.events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Royal Mail lists newest first (same-minute scans included), so oldest first is its list reversed.
    expect(info.events.map((e) => e.raw)).toEqual([...fixtureEvents(c.fixture)].reverse());
    expect(info.estimatedDelivery).toBe(c.estimatedDelivery);
  });

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

  it('429 / E0010 is worth retrying, after Retry-After', async () => {
    fake.failNext(1, 429, 30);
    const err = await unavailability(tracker.track('QA100000001GB'));
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.message).toContain('E0010');
    // The fault was transient: the next poll gets through.
    await expect(tracker.track('QA100000001GB')).resolves.toMatchObject({ status: 'DELIVERED' });
  });

  it('503 is worth retrying', async () => {
    fake.failNext(1, 503);
    const err = await unavailability(tracker.track('QA100000001GB'));
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('wrong credentials are rejected as AUTH, without leaking the secret', async () => {
    const wrong = new RoyalMailTracker({ baseUrl: fake.url, clientId: fake.clientId, clientSecret: 'not-the-secret', timeoutMs: 2000 });
    const err = await rejection(wrong.track('QA100000001GB'));
    expect(err.code).toBe('AUTH');
    expect(err.message).not.toContain('not-the-secret');
    expect(fake.requests[0].status).toBe(401);
  });

  it('a timeout is worth retrying', async () => {
    fake.stallNext(1000);
    const impatient = new RoyalMailTracker({ baseUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret, timeoutMs: 100 });
    const err = await unavailability(impatient.track('QA100000001GB'));
    expect(err.message).toMatch(/timed out after 100 ms/);
  });

  it('a refused connection is worth retrying', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const nowhere = new RoyalMailTracker({ baseUrl: `http://127.0.0.1:${port}`, clientId: 'id', clientSecret: 'secret', timeoutMs: 2000 });
    await unavailability(nowhere.track('QA100000001GB'));
  });

  it('refuses to start without credentials', () => {
    expect(() => RoyalMailTracker.fromConfig({ ROYAL_MAIL_API_URL: fake.url, ROYAL_MAIL_CLIENT_ID: undefined, ROYAL_MAIL_CLIENT_SECRET: undefined })).toThrow(/ROYAL_MAIL_CLIENT_ID/);
  });
});

describe('Royal Mail status mapping', () => {
  it('maps the documented event codes', () => {
    expect(ROYAL_MAIL_EVENT_STATUS.EVKSP).toBe('DELIVERED');
    expect(ROYAL_MAIL_EVENT_STATUS.EVKSF).toBe('DELIVERED');
    expect(ROYAL_MAIL_EVENT_STATUS.EVGPD).toBe('OUT_FOR_DELIVERY');
    expect(ROYAL_MAIL_EVENT_STATUS.EVKNA).toBe('ATTEMPTED_DELIVERY');
    expect(ROYAL_MAIL_EVENT_STATUS.EVNDA).toBe('READY_FOR_PICKUP');
    expect(ROYAL_MAIL_EVENT_STATUS.EVRTS).toBe('RETURNED_TO_SENDER');
  });

  it('reads statusCategory words, worse news first', () => {
    expect(royalMailCategoryStatus('IN TRANSIT')).toBe('IN_TRANSIT');
    expect(royalMailCategoryStatus('DELIVERED')).toBe('DELIVERED');
    expect(royalMailCategoryStatus('DELIVERY ATTEMPTED')).toBe('ATTEMPTED_DELIVERY');
    expect(royalMailCategoryStatus('READY TO COLLECT')).toBe('READY_FOR_PICKUP');
    expect(royalMailCategoryStatus('RETURNED TO SENDER')).toBe('RETURNED_TO_SENDER');
    expect(royalMailCategoryStatus('SOMETHING ELSE')).toBeUndefined();
    expect(royalMailCategoryStatus(undefined)).toBeUndefined();
  });
});
