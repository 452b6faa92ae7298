import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CarrierRejectedError,
  CarrierUnavailableError,
  type BookingRequest,
  type TrackingInfo,
  type TrackingStatus,
} from '../activities/shipping/carrier';
import { SandboxCarrierAdapter, retryAfterMs } from '../activities/shipping/sandboxCarrier';
import { parseTrackingNumber, scenarioForAddress } from '../activities/shipping/sandbox/scenarios';
import { startSandboxCarrier, type RunningSandboxCarrier } from '../activities/shipping/sandbox/server';

const STEP_MS = 200;

let seq = 0;
function bookingRequest(line2?: string, overrides: Partial<BookingRequest> = {}): BookingRequest {
  seq += 1;
  return {
    idempotencyKey: `test-${process.pid}-${seq}`,
    orderNumber: `DY-${1000 + seq}`,
    recipientName: 'Ada Lovelace',
    address: { line1: '12 Test Street', line2, city: 'Leicester', postcode: 'LE1 1AA', country: 'GB' },
    weightGrams: 750,
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<CarrierRejectedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CarrierRejectedError);
  return err as CarrierRejectedError;
}

async function unavailability(p: Promise<unknown>): Promise<CarrierUnavailableError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CarrierUnavailableError);
  return err as CarrierUnavailableError;
}

/** Polls until the parcel reaches `status`; the deadline turns a hang into a readable failure. */
async function waitForStatus(adapter: SandboxCarrierAdapter, tn: string, status: TrackingStatus, deadlineMs: number): Promise<TrackingInfo> {
  const deadline = Date.now() + deadlineMs;
  let last: TrackingInfo | undefined;
  while (Date.now() < deadline) {
    last = await adapter.track(tn);
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${tn} did not reach ${status} within ${deadlineMs} ms (last seen: ${last?.status})`);
}

describe('sandbox carrier scenarios', () => {
  it('chooses the journey from address words, case-insensitively, reject winning', () => {
    expect(scenarioForAddress({ line1: '1 High St' })).toBe('delivered');
    expect(scenarioForAddress({ line1: '1 High St', line2: 'flat 2 sandbox-exception' })).toBe('exception');
    expect(scenarioForAddress({ line1: 'Sandbox-Delayed House' })).toBe('delayed');
    expect(scenarioForAddress({ line1: 'SANDBOX-REJECT' })).toBe('rejected');
    expect(scenarioForAddress({ line1: 'SANDBOX-DELAYED', line2: 'SANDBOX-REJECT' })).toBe('rejected');
  });

  it('parses only numbers it could have issued', () => {
    expect(parseTrackingNumber('nope')).toBeUndefined();
    expect(parseTrackingNumber('DYSX000000000ABCDEF')).toBeUndefined();
    expect(parseTrackingNumber('dysd00lz0n9b4abcdef')).toMatchObject({ scenario: 'delivered', trackingNumber: 'DYSD00LZ0N9B4ABCDEF' });
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(retryAfterMs('1', now)).toBe(1000);
    expect(retryAfterMs('Wed, 01 Jan 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 01 Jan 2025 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('sandbox carrier on a controlled clock', () => {
  let clock = Date.parse('2025-03-01T09:00:00Z');
  let server: RunningSandboxCarrier;
  let carrier: SandboxCarrierAdapter;

  beforeAll(async () => {
    server = await startSandboxCarrier({ port: 0, stepMs: STEP_MS, now: () => clock });
    carrier = new SandboxCarrierAdapter({ baseUrl: server.url, timeoutMs: 5000 });
  });
  afterAll(() => server.close());

  async function journey(tn: string, steps: number): Promise<TrackingInfo[]> {
    const seen: TrackingInfo[] = [];
    const bookedAt = parseTrackingNumber(tn)!.bookedAt;
    for (let k = 0; k < steps; k++) {
      clock = bookedAt + k * STEP_MS;
      seen.push(await carrier.track(tn));
    }
    return seen;
  }

  it('health check answers', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('books a parcel with a well-formed tracking number and an absolute label URL', async () => {
    const booking = await carrier.book(bookingRequest());
    expect(booking.carrier).toBe('sandbox');
    expect(booking.trackingNumber).toMatch(/^DYSD[0-9A-Z]{9}[0-9A-F]{6}$/);
    expect(booking.labelUrl).toBe(`${server.url}/v1/shipments/${booking.trackingNumber}/label`);
    const label = await fetch(booking.labelUrl!);
    expect(label.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await label.text()).toContain(booking.trackingNumber);
  });

  it('delivered: label, pickup, transit, out for delivery, delivered — and stays delivered', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest());
    const seen = await journey(tn, 5);
    expect(seen.map((t) => t.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED']);

    const final = seen[4];
    expect(final.events.map((e) => e.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    expect(final.events.map((e) => (e.raw as { code: string }).code)).toEqual(['LP', 'PU', 'IT', 'OD', 'DL']);
    const bookedAt = parseTrackingNumber(tn)!.bookedAt;
    expect(final.events.map((e) => Date.parse(e.occurredAt) - bookedAt)).toEqual([0, 1, 2, 3, 4].map((k) => k * STEP_MS));
    expect(final.estimatedDelivery).toBe(final.events[4].occurredAt);

    clock += 1000 * STEP_MS;
    expect((await carrier.track(tn)).status).toBe('DELIVERED');
  });

  it('exception: fails after transit and never recovers', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest('SANDBOX-EXCEPTION'));
    expect(tn).toMatch(/^DYSE/);
    const seen = await journey(tn, 4);
    expect(seen.map((t) => t.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'FAILURE']);
    expect((seen[3].events[3].raw as { code: string }).code).toBe('EX');
    expect(seen[2].estimatedDelivery).toBeDefined();
    expect(seen[3].estimatedDelivery).toBeUndefined();

    clock += 1000 * STEP_MS;
    const later = await carrier.track(tn);
    expect(later.status).toBe('FAILURE');
    expect(later.events).toHaveLength(4);
  });

  it('delayed: a delay after transit, then delivered with a revised estimate', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest('sandbox-delayed'));
    expect(tn).toMatch(/^DYSL/);
    const seen = await journey(tn, 6);
    expect(seen.map((t) => t.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELAYED', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    expect((seen[3].events[3].raw as { code: string }).code).toBe('DY');
    expect(Date.parse(seen[3].estimatedDelivery!)).toBeGreaterThan(Date.parse(seen[2].estimatedDelivery!));
  });

  it('books idempotently: the same key returns the same shipment, even later', async () => {
    const req = bookingRequest();
    const first = await carrier.book(req);
    clock += 10 * STEP_MS;
    const again = await carrier.book(req);
    expect(again).toEqual(first);
    const other = await carrier.book({ ...bookingRequest(), idempotencyKey: `${req.idempotencyKey}-other` });
    expect(other.trackingNumber).not.toBe(first.trackingNumber);
  });

  it('refuses to reuse a key for a different shipment', async () => {
    const req = bookingRequest();
    await carrier.book(req);
    const err = await rejection(carrier.book({ ...req, weightGrams: req.weightGrams + 1 }));
    expect(err.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('rejects a SANDBOX-REJECT address as CarrierRejectedError', async () => {
    const err = await rejection(carrier.book(bookingRequest('Sandbox-Reject please')));
    expect(err.code).toBe('ADDRESS_REJECTED');

    const res = await fetch(`${server.url}/v1/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'raw-reject' },
      body: JSON.stringify({
        reference: 'DY-1',
        recipient: { name: 'A', address: { line1: 'SANDBOX-REJECT', city: 'Leeds', postcode: 'LS1 1AA', country: 'GB' } },
        parcel: { weightGrams: 100 },
      }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: 'ADDRESS_REJECTED' } });
  });

  it('treats unknown tracking numbers as CarrierRejectedError', async () => {
    expect((await rejection(carrier.track('NOT-A-REAL-NUMBER'))).code).toBe('UNKNOWN_TRACKING_NUMBER');
    expect((await rejection(carrier.cancel('DYSQ000000000000000'))).code).toBe('UNKNOWN_TRACKING_NUMBER');
    const res = await fetch(`${server.url}/v1/tracking/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'UNKNOWN_TRACKING_NUMBER' } });
  });

  it('answers 400 VALIDATION naming the bad field', async () => {
    const res = await fetch(`${server.url}/v1/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'raw-invalid' },
      body: JSON.stringify({
        reference: 'DY-1',
        recipient: { name: 'A', address: { line1: '1 High St', city: 'Leeds', postcode: 'LS1 1AA', country: 'GBR' } },
        parcel: { weightGrams: -5 },
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: { path: string; message: string }[] } };
    expect(body.error.code).toBe('VALIDATION');
    expect(body.error.fields.map((f) => f.path).sort()).toEqual(['parcel.weightGrams', 'recipient.address.country']);

    const err = await rejection(carrier.book(bookingRequest(undefined, { weightGrams: 1.5 })));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain('parcel.weightGrams');
  });

  it('answers 400 without an Idempotency-Key and for malformed JSON', async () => {
    const noKey = await fetch(`${server.url}/v1/shipments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });

    const badJson = await fetch(`${server.url}/v1/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'raw-bad-json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { code: 'INVALID_JSON' } });
  });

  it('cancels before pickup, and the journey stops at the label', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest());
    clock = parseTrackingNumber(tn)!.bookedAt + STEP_MS / 2;
    await expect(carrier.cancel(tn)).resolves.toBeUndefined();
    // Cancelling twice is harmless, as a retried activity would do.
    clock += 10 * STEP_MS;
    await expect(carrier.cancel(tn)).resolves.toBeUndefined();
    const info = await carrier.track(tn);
    expect(info.status).toBe('LABEL_PURCHASED');
    expect(info.events).toHaveLength(1);
    expect(info.estimatedDelivery).toBeUndefined();
  });

  it('refuses to cancel after pickup with 409', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest());
    clock = parseTrackingNumber(tn)!.bookedAt + STEP_MS;
    const err = await rejection(carrier.cancel(tn));
    expect(err.code).toBe('ALREADY_PICKED_UP');
    const res = await fetch(`${server.url}/v1/shipments/${tn}/cancel`, { method: 'POST' });
    expect(res.status).toBe(409);
  });

  it('maps an injected 429 to CarrierUnavailableError with Retry-After, once', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest());
    const flaky = new SandboxCarrierAdapter({ baseUrl: server.url, headers: { 'X-Sandbox-Fault': '429' } });
    const err = await unavailability(flaky.track(tn));
    expect(err.retryAfterMs).toBe(1000);
    // The fault is transient: the retry gets through.
    expect((await flaky.track(tn)).trackingNumber).toBe(tn);
  });

  it('maps an injected 503 to CarrierUnavailableError, and books nothing', async () => {
    const req = bookingRequest();
    const flaky = new SandboxCarrierAdapter({ baseUrl: server.url, headers: { 'X-Sandbox-Fault': '503' } });
    const err = await unavailability(flaky.book(req));
    expect(err.retryAfterMs).toBeUndefined();
    // Had the faulted call booked, the retry would replay its earlier booking time.
    clock += STEP_MS;
    const retried = await flaky.book(req);
    expect(parseTrackingNumber(retried.trackingNumber)!.bookedAt).toBe(clock);
  });
});

describe('sandbox carrier in real time', () => {
  let server: RunningSandboxCarrier;
  let carrier: SandboxCarrierAdapter;

  beforeAll(async () => {
    server = await startSandboxCarrier({ port: 0, stepMs: STEP_MS });
    carrier = new SandboxCarrierAdapter({ baseUrl: server.url, timeoutMs: 5000 });
  });
  afterAll(() => server.close());

  it('every scenario reaches its end state', async () => {
    const cases: [string | undefined, TrackingStatus, string[]][] = [
      [undefined, 'DELIVERED', ['LP', 'PU', 'IT', 'OD', 'DL']],
      ['SANDBOX-EXCEPTION', 'FAILURE', ['LP', 'PU', 'IT', 'EX']],
      ['SANDBOX-DELAYED', 'DELIVERED', ['LP', 'PU', 'IT', 'DY', 'OD', 'DL']],
    ];
    await Promise.all(
      cases.map(async ([line2, end, codes]) => {
        const { trackingNumber } = await carrier.book(bookingRequest(line2));
        const info = await waitForStatus(carrier, trackingNumber, end, 20 * STEP_MS);
        expect(info.events.map((e) => (e.raw as { code: string }).code)).toEqual(codes);
      }),
    );
  });
});

describe('sandbox carrier adapter transport failures', () => {
  it('maps a refused connection to CarrierUnavailableError', async () => {
    const gone = await startSandboxCarrier({ port: 0, stepMs: STEP_MS });
    await gone.close();
    const carrier = new SandboxCarrierAdapter({ baseUrl: gone.url, timeoutMs: 2000 });
    const err = await unavailability(carrier.track('DYSD000000000ABCDEF'));
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('maps a timeout to CarrierUnavailableError', async () => {
    // Holds every request open, as a carrier stuck behind a dead load balancer would.
    const held: http.ServerResponse[] = [];
    const silent = http.createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const carrier = new SandboxCarrierAdapter({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 100 });
      const err = await unavailability(carrier.track('DYSD000000000ABCDEF'));
      expect(err.message).toMatch(/timed out after 100 ms/);
    } finally {
      held.forEach((res) => res.destroy());
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
