import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BookingRequest, TrackingInfo, TrackingStatus } from '../domain/shipping/carriers/carrier';
import { SandboxCarrierAdapter, retryAfterMs } from '../domain/shipping/carriers/sandbox';
import { outcomeForBooking, parseTrackingNumber, scenarioForAddress, trackingNumberFor } from '../services/sandboxCarrier/scenarios';
import { startSandboxCarrier, type RunningSandboxCarrier } from '../services/sandboxCarrier/server';
import { bookingRequest as sharedBookingRequest, refusedUrl, rejection, unavailability } from './helpers/carriers';

const STEP_MS = 200;

/** A booking whose address line 2 chooses the sandbox's scenario. */
function bookingRequest(line2?: string, overrides: Partial<BookingRequest> = {}): BookingRequest {
  return sharedBookingRequest({ address: { line1: '12 Test Street', line2, city: 'Leicester', postcode: 'LE1 1AA', country: 'GB' }, ...overrides });
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
    expect(scenarioForAddress({ line1: '2 Sandbox-Attempted Row' })).toBe('attempted');
    expect(scenarioForAddress({ line1: '1 High St', line2: 'sandbox-returned' })).toBe('returned');
    expect(scenarioForAddress({ line1: 'SANDBOX-LOST' })).toBe('lost');
  });

  it('lets the most drastic word win: rejected, lost, returned, exception, attempted, delayed', () => {
    const words = ['SANDBOX-DELAYED', 'SANDBOX-ATTEMPTED', 'SANDBOX-EXCEPTION', 'SANDBOX-RETURNED', 'SANDBOX-LOST', 'SANDBOX-REJECT'];
    const expected = ['delayed', 'attempted', 'exception', 'returned', 'lost', 'rejected'];
    // Each word added on top of the milder ones takes over.
    words.forEach((_, i) => expect(scenarioForAddress({ line1: words.slice(0, i + 1).join(' ') })).toBe(expected[i]));
  });

  it('sends every return down the happy path, whatever the customer address says', () => {
    expect(outcomeForBooking({ line1: 'SANDBOX-REJECT' }, 'return')).toBe('customer-return');
    expect(outcomeForBooking({ line1: 'SANDBOX-LOST' }, 'return')).toBe('customer-return');
    expect(outcomeForBooking({ line1: 'SANDBOX-LOST' }, 'outbound')).toBe('lost');
  });

  it('parses only numbers it could have issued', () => {
    expect(parseTrackingNumber('nope')).toBeUndefined();
    expect(parseTrackingNumber('DYSX000000000ABCDEF')).toBeUndefined();
    expect(parseTrackingNumber('dysd00lz0n9b4abcdef')).toMatchObject({ scenario: 'delivered', trackingNumber: 'DYSD00LZ0N9B4ABCDEF' });
  });

  it('keeps the meaning of numbers issued before the new scenarios, and gives each scenario its own letter', () => {
    const bookedAt = Date.parse('2025-03-01T09:00:00Z');
    // Letters issued before attempted, returned, lost and returns existed.
    for (const [letter, scenario] of [['D', 'delivered'], ['E', 'exception'], ['L', 'delayed']] as const) {
      expect(parseTrackingNumber(`DYS${letter}00LZ0N9B4ABCDEF`)).toMatchObject({ scenario, bookedAt: parseInt('00LZ0N9B4', 36) });
    }
    const scenarios = ['delivered', 'exception', 'delayed', 'attempted', 'returned', 'lost', 'customer-return'] as const;
    const numbers = scenarios.map((scenario) => trackingNumberFor(scenario, bookedAt, 'same-key'));
    expect(new Set(numbers.map((tn) => tn[3])).size).toBe(scenarios.length);
    expect(numbers.map((tn) => tn.slice(0, 4))).toEqual(['DYSD', 'DYSE', 'DYSL', 'DYSA', 'DYSS', 'DYSM', 'DYSR']);
    numbers.forEach((tn, i) => expect(parseTrackingNumber(tn)).toEqual({ trackingNumber: tn, scenario: scenarios[i], bookedAt }));
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

  /** A booking sent as raw HTTP, to see the sandbox's own answer rather than the adapter's reading of it. */
  function postBooking(key: string, { address = {}, ...fields }: { address?: Record<string, string> } & Record<string, unknown> = {}): Promise<Response> {
    return fetch(`${server.url}/v1/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({
        reference: 'DY-1',
        recipient: { name: 'A', address: { line1: '1 High St', city: 'Leeds', postcode: 'LS1 1AA', country: 'GB', ...address } },
        parcel: { weightGrams: 100 },
        ...fields,
      }),
    });
  }

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

  it('attempted: nobody in, out for delivery again the next step, then delivered, with the promise moved', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest('SANDBOX-ATTEMPTED'));
    expect(tn).toMatch(/^DYSA/);
    const seen = await journey(tn, 7);
    expect(seen.map((t) => t.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    expect(seen[6].events.map((e) => (e.raw as { code: string }).code)).toEqual(['LP', 'PU', 'IT', 'OD', 'AT', 'OD', 'DL']);
    const bookedAt = parseTrackingNumber(tn)!.bookedAt;
    // Promised like any parcel until the missed delivery, then for the second attempt.
    expect(Date.parse(seen[3].estimatedDelivery!)).toBe(bookedAt + 4 * STEP_MS);
    expect(Date.parse(seen[4].estimatedDelivery!)).toBe(bookedAt + 6 * STEP_MS);
    expect(seen[6].estimatedDelivery).toBe(seen[6].events[6].occurredAt);
  });

  it('returned: an exception, then back to the sender, with no promise left', async () => {
    const { trackingNumber: tn } = await carrier.book(bookingRequest('Sandbox-Returned'));
    expect(tn).toMatch(/^DYSS/);
    const seen = await journey(tn, 5);
    expect(seen.map((t) => t.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'FAILURE', 'RETURNED_TO_SENDER']);
    expect(seen[4].events.map((e) => (e.raw as { code: string }).code)).toEqual(['LP', 'PU', 'IT', 'EX', 'RS']);
    expect(seen[2].estimatedDelivery).toBeDefined();
    expect(seen.slice(3).map((t) => t.estimatedDelivery)).toEqual([undefined, undefined]);

    clock += 1000 * STEP_MS;
    const later = await carrier.track(tn);
    expect(later.status).toBe('RETURNED_TO_SENDER');
    expect(later.events).toHaveLength(5);
  });

  it('lost: in transit, then silence for ever, the first promise left to pass', async () => {
    const { trackingNumber: tn, estimatedDelivery } = await carrier.book(bookingRequest('SANDBOX-LOST'));
    expect(tn).toMatch(/^DYSM/);
    const seen = await journey(tn, 3);
    expect(seen.map((t) => t.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT']);

    const bookedAt = parseTrackingNumber(tn)!.bookedAt;
    clock = bookedAt + 10_000 * STEP_MS;
    const later = await carrier.track(tn);
    expect(later.status).toBe('IN_TRANSIT');
    expect(later.events.map((e) => e.occurredAt)).toEqual(seen[2].events.map((e) => e.occurredAt));
    expect(later.estimatedDelivery).toBe(estimatedDelivery);
    expect(Date.parse(later.estimatedDelivery!)).toBe(bookedAt + 4 * STEP_MS);
  });

  it('answers the booking with the carrier it stands in for, the service and the first promise', async () => {
    const ups = new SandboxCarrierAdapter({ baseUrl: server.url, timeoutMs: 5000, carrier: 'ups' });
    expect(ups.name).toBe('sandbox-ups');
    const booked = await ups.book(bookingRequest());
    const bookedAt = parseTrackingNumber(booked.trackingNumber)!.bookedAt;
    expect(booked).toMatchObject({ carrier: 'ups', service: 'standard', estimatedDelivery: new Date(bookedAt + 4 * STEP_MS).toISOString() });

    const express = await ups.book(bookingRequest(undefined, { service: 'Express' }));
    expect(express).toMatchObject({ carrier: 'ups', service: 'Express' });
    expect(await (await fetch(express.labelUrl!)).text()).toMatch(/^SANDBOX CARRIER — UPS EXPRESS — NOT A REAL LABEL/);

    // The store's choice in the request wins over the adapter's default; without either it is the sandbox itself.
    expect(await ups.book(bookingRequest(undefined, { carrier: 'royal-mail' }))).toMatchObject({ carrier: 'royal-mail' });
    expect(await carrier.book(bookingRequest())).toMatchObject({ carrier: 'sandbox', service: 'standard' });
  });

  it('refuses a carrier the store does not use, naming the field', async () => {
    const res = await postBooking('raw-hermes', { carrier: 'hermes', direction: 'sideways' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: { path: string }[] } };
    expect(body.error.code).toBe('VALIDATION');
    expect(body.error.fields.map((f) => f.path).sort()).toEqual(['carrier', 'direction']);
  });

  it('books a return from the customer to the warehouse: its own letter, always the happy path', async () => {
    const req = bookingRequest('SANDBOX-REJECT', { direction: 'return', carrier: 'dpd' });
    const booked = await carrier.book(req);
    expect(booked.trackingNumber).toMatch(/^DYSR/);
    expect(booked.carrier).toBe('dpd');

    const seen = await journey(booked.trackingNumber, 5);
    expect(seen.map((t) => t.status)).toEqual(['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    expect(seen[4].events[0]).toMatchObject({ description: 'Return label created', location: 'Customer' });
    expect(seen[4].events[4]).toMatchObject({ description: 'Delivered to the DY warehouse', location: 'DY Warehouse, Leicester' });
    expect(seen[4].estimatedDelivery).toBe(seen[4].events[4].occurredAt);

    const label = await (await fetch(booked.labelUrl!)).text();
    expect(label).toMatch(/From: +Ada Lovelace\n +12 Test Street/);
    expect(label).toMatch(/To: +DY Official Returns/);

    // The direction is part of the shipment: the same key cannot turn a return into an outbound parcel.
    const err = await rejection(carrier.book({ ...req, direction: 'outbound' }));
    expect(err.code).toBe('IDEMPOTENCY_KEY_REUSED');
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

    const res = await postBooking('raw-reject', { address: { line1: 'SANDBOX-REJECT' } });
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
    const res = await postBooking('raw-invalid', { address: { country: 'GBR' }, parcel: { weightGrams: -5 } });
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
      ['SANDBOX-ATTEMPTED', 'DELIVERED', ['LP', 'PU', 'IT', 'OD', 'AT', 'OD', 'DL']],
      ['SANDBOX-RETURNED', 'RETURNED_TO_SENDER', ['LP', 'PU', 'IT', 'EX', 'RS']],
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
    const carrier = new SandboxCarrierAdapter({ baseUrl: await refusedUrl(), timeoutMs: 2000 });
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
