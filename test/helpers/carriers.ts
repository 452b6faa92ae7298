import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CarrierRejectedError, CarrierUnavailableError, type Booking, type BookingRequest, type CarrierAdapter, type TrackingInfo, type TrackingStatus } from '../../domain/shipping/carriers/carrier';
import type { FakeOAuthCarrier } from '../fakes/carriers/oauthFake';

/** What the carrier adapter tests share: failures of the two kinds, a booking to make, an address nobody answers. */

/** The error `p` failed with, which must be a `type`; a call that succeeds fails the test by saying so. */
export async function failure<E extends Error>(p: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const err = await p.then(
    () => new Error(`expected the call to fail with ${type.name}, but it succeeded`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}

export const rejection = (p: Promise<unknown>): Promise<CarrierRejectedError> => failure(p, CarrierRejectedError);
export const unavailability = (p: Promise<unknown>): Promise<CarrierUnavailableError> => failure(p, CarrierUnavailableError);

let seq = 0;
/** A booking with its own idempotency key and order number, so tests never collide in one fake. */
export function bookingRequest(overrides: Partial<BookingRequest> = {}): BookingRequest {
  seq += 1;
  const orderNumber = `DY-${process.pid}-${seq}`;
  return {
    idempotencyKey: `shipment-${orderNumber}-1`,
    orderNumber,
    recipientName: 'Ada Lovelace',
    address: { line1: '12 Test Street', line2: 'Flat 3', city: 'Leicester', postcode: 'LE1 1AA', country: 'GB' },
    weightGrams: 750,
    ...overrides,
  };
}

/** A loopback URL whose port was free a moment ago and is closed now: connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface ExpectedJourney {
  trackingNumber: string;
  status: TrackingStatus;
  /** Each event's status, oldest first. */
  events: TrackingStatus[];
  estimatedDelivery?: string;
}

/** One journey as every tracking adapter must report it: its statuses, its promise, and its events oldest first. */
export function expectJourney(info: TrackingInfo, expected: ExpectedJourney): void {
  expect(info.trackingNumber).toBe(expected.trackingNumber);
  expect(info.status).toBe(expected.status);
  expect(info.events.map((e) => e.status)).toEqual(expected.events);
  expect(info.estimatedDelivery).toBe(expected.estimatedDelivery);
  for (const e of info.events) expect(e.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const times = info.events.map((e) => Date.parse(e.occurredAt));
  expect(times).toEqual([...times].sort((a, b) => a - b));
}

/** A journey fixture and what the adapter must make of it. */
export interface JourneyCase {
  fixture: string;
  status: TrackingStatus;
  events: TrackingStatus[];
  estimatedDelivery?: string;
}

export interface JourneySuite<C extends JourneyCase> {
  cases: C[];
  /** The fake's journey fixtures (name → tracking number): each must have its case, so none goes untested. */
  fixtures?: () => Readonly<Record<string, unknown>>;
  /** The case's tracking number; by default the fixture's own in `fixtures`. */
  trackingNumber?: (c: C) => string;
  track: (trackingNumber: string) => Promise<TrackingInfo>;
  /** What each event must have kept of the carrier's own scan (`raw`). */
  raw?: (raw: unknown, c: C) => void;
  /** The case's scans as the carrier lists them, newest first: the events must carry them all, reversed. */
  newestFirst?: (c: C) => unknown[];
}

/** Every journey fixture through the adapter: statuses, promise, order, the carrier's own scans kept. */
export function itMapsJourneys<C extends JourneyCase>(suite: JourneySuite<C>): void {
  const { fixtures } = suite;
  if (fixtures) {
    it('has a test for every journey fixture', () => {
      expect(Object.keys(fixtures()).sort()).toEqual(suite.cases.map((c) => c.fixture).sort());
    });
  }
  it.each(suite.cases)('maps the $fixture journey: status from the latest event, events oldest first with their raw scans', async (c) => {
    const trackingNumber = suite.trackingNumber?.(c) ?? String(suite.fixtures?.()[c.fixture]);
    const info = await suite.track(trackingNumber);
    expectJourney(info, { ...c, trackingNumber });
    for (const e of info.events) suite.raw?.(e.raw, c);
    if (suite.newestFirst) expect(info.events.map((e) => e.raw)).toEqual([...suite.newestFirst(c)].reverse());
  });
}

/** A status mapping checked case by case, each failure naming its inputs. */
export function expectStatuses<Args extends unknown[]>(map: (...args: Args) => TrackingStatus | undefined, table: Array<[...Args, TrackingStatus | undefined]>): void {
  for (const row of table) {
    const args = row.slice(0, -1) as Args;
    expect({ args, status: map(...args) }).toEqual({ args, status: row[row.length - 1] });
  }
}

export interface TransientFailureSuite {
  fake: () => { failNext(n: number, status: number, retryAfterSeconds?: number): void; stallNext?(ms: number): void };
  /** Tracks a parcel the fake knows, through the adapter under test. */
  track: () => Promise<TrackingInfo>;
  /** That parcel's status once the fault has passed. */
  status: TrackingStatus;
  retryAfterSeconds: number;
  /** What the carrier's 429 body must leave in the error message (its own error code). */
  rateLimitedSays?: string;
  /** The same call with a 100 ms deadline, for carriers whose fake can stall. */
  impatient?: () => Promise<TrackingInfo>;
}

/** Rate limits, outages and timeouts are worth retrying: CarrierUnavailableError, honouring Retry-After. */
export function itRetriesTransientFailures(suite: TransientFailureSuite): void {
  it('treats 429 as unavailable, honours Retry-After, and gets through once it has passed', async () => {
    suite.fake().failNext(1, 429, suite.retryAfterSeconds);
    const err = await unavailability(suite.track());
    expect(err.retryAfterMs).toBe(suite.retryAfterSeconds * 1000);
    if (suite.rateLimitedSays) expect(err.message).toContain(suite.rateLimitedSays);
    await expect(suite.track()).resolves.toMatchObject({ status: suite.status });
  });

  it('treats 503 and 500 as unavailable, with no Retry-After when none was sent', async () => {
    for (const status of [503, 500]) {
      suite.fake().failNext(1, status);
      const err = await unavailability(suite.track());
      expect({ status, retryAfterMs: err.retryAfterMs }).toEqual({ status, retryAfterMs: undefined });
    }
  });

  const { impatient } = suite;
  if (impatient) {
    it('treats a timeout as unavailable', async () => {
      suite.fake().stallNext?.(1000);
      const err = await unavailability(impatient());
      expect(err.message).toMatch(/timed out after 100 ms/);
    });
  }
}

export interface OAuthTrackingSuite {
  fake: () => FakeOAuthCarrier & { requests: Array<{ method: string; path: string; status: number }> };
  adapter: (overrides?: { clientSecret?: string; now?: () => number; bookings?: CarrierAdapter }) => CarrierAdapter & { tokens: { fetched: number } };
  /** The adapter with the endpoint it calls first at `url`, where nobody answers. */
  unreachable: (url: string) => CarrierAdapter;
  /** `METHOD path` of the token request and of one tracking call. */
  tokenCall: string;
  trackCall: (trackingNumber: string) => string;
  tokenLifetimeSeconds: number;
  /** What the carrier's refusal of our credentials must leave in the error message (its own error code). */
  refusedCredentialsSay?: string;
  /** For the rate-limit test: the Retry-After the fake sends, and what its 429 body leaves in the message. */
  retryAfterSeconds: number;
  rateLimitedSays?: string;
}

/**
 * The contract FedEx and UPS tracking keep: one OAuth token shared by every call until shortly before it
 * expires, one refresh after a 401; rate limits, outages, refused credentials and an unreachable carrier all
 * worth retrying (the settings or the network need fixing, not the parcel); labels bought through EasyPost.
 */
export function itTracksWithOAuth(suite: OAuthTrackingSuite): void {
  const calls = (since: number) => suite.fake().requests.slice(since).map((r) => `${r.method} ${r.path} ${r.status}`);
  const known = () => suite.fake().fixtures.delivered;

  itRetriesTransientFailures({
    fake: suite.fake,
    track: () => suite.adapter().track(known()),
    status: 'DELIVERED',
    retryAfterSeconds: suite.retryAfterSeconds,
    rateLimitedSays: suite.rateLimitedSays,
  });

  it('fetches one token and reuses it, also for concurrent calls', async () => {
    const fake = suite.fake();
    const a = suite.adapter();
    const before = fake.tokensIssued;
    const numbers = Object.values(fake.fixtures);
    await Promise.all(numbers.map((tn) => a.track(tn)));
    await a.track(numbers[0]);
    expect(fake.tokensIssued - before).toBe(1);
    expect(a.tokens.fetched).toBe(1);
  });

  it('refreshes the token once after a 401 and retries the call', async () => {
    const a = suite.adapter();
    await a.track(known());
    const before = suite.fake().requests.length;
    suite.fake().expireTokens();
    await expect(a.track(known())).resolves.toMatchObject({ status: 'DELIVERED' });
    expect(calls(before)).toEqual([`${suite.trackCall(known())} 401`, `${suite.tokenCall} 200`, `${suite.trackCall(known())} 200`]);
    expect(a.tokens.fetched).toBe(2);
  });

  it('renews the token shortly before expires_in (as the carrier sends it) rather than waiting for a 401', async () => {
    let clock = Date.parse('2025-03-12T09:00:00Z');
    const a = suite.adapter({ now: () => clock });
    await a.track(known());
    clock += suite.tokenLifetimeSeconds * 1000 - 61_000; // still more than a minute before expiry
    await a.track(known());
    expect(a.tokens.fetched).toBe(1);
    clock += 31_000; // now inside the last minute
    const before = suite.fake().requests.length;
    await a.track(known());
    expect(calls(before)).toEqual([`${suite.tokenCall} 200`, `${suite.trackCall(known())} 200`]);
    expect(a.tokens.fetched).toBe(2);
  });

  it('reports refused credentials as unavailable: the settings need fixing, not the parcel', async () => {
    const err = await unavailability(suite.adapter({ clientSecret: 'wrong' }).track(known()));
    expect(err.message).toContain('401');
    if (suite.refusedCredentialsSay) expect(err.message).toContain(suite.refusedCredentialsSay);
  });

  it('reports an unreachable carrier as unavailable', async () => {
    await unavailability(suite.unreachable(await refusedUrl()).track(known()));
  });

  it('books and cancels through the configured EasyPost adapter, and refuses without one', async () => {
    const seen: string[] = [];
    const bookings: CarrierAdapter = {
      name: 'easypost-stand-in',
      book: async (req: BookingRequest): Promise<Booking> => {
        seen.push(`book ${req.idempotencyKey}`);
        return { carrier: 'EasyPost', trackingNumber: 'EZ1000000001', labelUrl: 'https://example.test/label.png' };
      },
      track: async () => {
        throw new Error('not used');
      },
      cancel: async (tn: string) => {
        seen.push(`cancel ${tn}`);
      },
    };
    const req = bookingRequest();
    await expect(suite.adapter({ bookings }).book(req)).resolves.toMatchObject({ trackingNumber: 'EZ1000000001' });
    await suite.adapter({ bookings }).cancel?.('EZ1000000001');
    expect(seen).toEqual([`book ${req.idempotencyKey}`, 'cancel EZ1000000001']);
    const err = await rejection(suite.adapter().book(req));
    expect(err.code).toBe('BOOKING_NOT_CONFIGURED');
  });
}

/** A fake started once for the file, its request log and planned faults cleared before each test. */
export function useFake(start: () => Promise<{ requests: unknown[]; failNext(n: number, status: number): void; close(): Promise<void> }>): void {
  let fake: Awaited<ReturnType<typeof start>> | undefined;
  beforeAll(async () => {
    fake = await start();
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    fake?.requests.splice(0);
    fake?.failNext(0, 503);
  });
}
