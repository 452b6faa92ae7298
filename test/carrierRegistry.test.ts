/**
 * Which adapter books and tracks each carrier, from configuration alone. Standalone: it needs none of the
 * repo's globalSetup, only local fakes of the carriers' APIs and a sandbox carrier.
 */
import { CARRIER_NAMES, CarrierRejectedError, type BookingRequest } from '../domain/shipping/carriers/carrier';
import { createCarrierRegistry, sandboxCarrierUrl } from '../domain/shipping/carriers/registry';
import { FedExAdapter } from '../domain/shipping/carriers/fedex';
import { UpsAdapter } from '../domain/shipping/carriers/ups';
import { SandboxCarrierAdapter } from '../domain/shipping/carriers/sandbox';
import { startSandboxCarrier, type RunningSandboxCarrier } from '../services/sandboxCarrier/server';
import { loadConfig } from '../lib/config';
import { startFakeDhl, type FakeDhl } from './fakes/carriers/dhlServer';
import { startFakeEasyPost, type FakeEasyPost } from './fakes/carriers/easypostServer';
import { startFakeUps, type FakeUps } from './fakes/carriers/upsServer';
import { bookingRequest } from './helpers/carriers';

const ALL_CREDENTIALS = {
  EASYPOST_API_KEY: 'EZTK-registry-test',
  ROYAL_MAIL_CLIENT_ID: 'rm-id',
  ROYAL_MAIL_CLIENT_SECRET: 'rm-secret',
  FEDEX_CLIENT_ID: 'fedex-id',
  FEDEX_CLIENT_SECRET: 'fedex-secret',
  UPS_CLIENT_ID: 'ups-id',
  UPS_CLIENT_SECRET: 'ups-secret',
  DHL_API_KEY: 'dhl-key',
};

describe('carrier registry: selection', () => {
  it('in dev without credentials, the sandbox stands in for every carrier under its name', () => {
    const registry = createCarrierRegistry(loadConfig({ NODE_ENV: 'development', CARRIER_URL: 'http://127.0.0.1:4999' }));
    expect(registry.describe().map(({ carrier, books, tracks }) => ({ carrier, books, tracks }))).toEqual(
      CARRIER_NAMES.map((carrier) => ({ carrier, books: 'sandbox', tracks: 'sandbox' })),
    );
    for (const carrier of CARRIER_NAMES) {
      const adapter = registry.forCarrier(carrier);
      expect(adapter).toBeInstanceOf(SandboxCarrierAdapter);
      expect(adapter.name).toBe(`sandbox-${carrier}`);
    }
    // An operator is told which settings would make each one real.
    expect(registry.describe().find((r) => r.carrier === 'fedex')?.reason).toBe('sandbox stand-in: FEDEX_CLIENT_ID, FEDEX_CLIENT_SECRET, EASYPOST_API_KEY not set');
    expect(registry.describe().find((r) => r.carrier === 'dpd')?.reason).toBe('sandbox stand-in: EASYPOST_API_KEY not set');
  });

  it('with every credential, each carrier tracks through its own API and books through EasyPost', () => {
    const registry = createCarrierRegistry(loadConfig({ NODE_ENV: 'development', ...ALL_CREDENTIALS }));
    expect(registry.describe().map(({ carrier, books, tracks }) => ({ carrier, books, tracks }))).toEqual([
      { carrier: 'royal-mail', books: 'easypost', tracks: 'royal-mail-api' },
      { carrier: 'dpd', books: 'easypost', tracks: 'dpd-api' },
      { carrier: 'fedex', books: 'easypost', tracks: 'fedex-api' },
      { carrier: 'ups', books: 'easypost', tracks: 'ups-api' },
      { carrier: 'dhl', books: 'easypost', tracks: 'dhl-api' },
    ]);
    expect(registry.forCarrier('fedex')).toBeInstanceOf(FedExAdapter);
    expect(registry.forCarrier('ups')).toBeInstanceOf(UpsAdapter);
    expect(CARRIER_NAMES.map((c) => registry.forCarrier(c).name)).toEqual(['royal-mail', 'dpd', 'fedex', 'ups', 'dhl']);
  });

  it('keeps a carrier in the sandbox until both halves are real: its tracking credentials and EasyPost', () => {
    const trackingOnly = createCarrierRegistry(loadConfig({ NODE_ENV: 'development', FEDEX_CLIENT_ID: 'id', FEDEX_CLIENT_SECRET: 'secret', DHL_API_KEY: 'key' }));
    expect(trackingOnly.describe().filter((r) => r.books !== 'sandbox')).toEqual([]);
    expect(trackingOnly.forCarrier('fedex')).toBeInstanceOf(SandboxCarrierAdapter);

    // DPD's tracking needs no credentials, so EasyPost alone makes it real; the others still lack theirs.
    const easyPostOnly = createCarrierRegistry(loadConfig({ NODE_ENV: 'development', EASYPOST_API_KEY: 'EZTK-only' }));
    expect(easyPostOnly.describe().filter((r) => r.books === 'easypost').map((r) => r.carrier)).toEqual(['dpd']);

    const halfFedEx = createCarrierRegistry(loadConfig({ NODE_ENV: 'development', EASYPOST_API_KEY: 'EZTK-only', FEDEX_CLIENT_ID: 'id' }));
    expect(halfFedEx.describe().find((r) => r.carrier === 'fedex')).toEqual({ carrier: 'fedex', books: 'sandbox', tracks: 'sandbox', reason: 'sandbox stand-in: FEDEX_CLIENT_SECRET not set' });
  });

  it('hands out one adapter per carrier, so OAuth tokens are fetched once', () => {
    const registry = createCarrierRegistry(loadConfig({ NODE_ENV: 'development', ...ALL_CREDENTIALS }));
    expect(registry.forCarrier('ups')).toBe(registry.forCarrier('ups'));
    expect(registry.forCarrier('dpd')).not.toBe(registry.forCarrier('dhl'));
  });

  it('refuses a carrier name the store does not use, as a rejection', () => {
    const registry = createCarrierRegistry(loadConfig({ NODE_ENV: 'development' }));
    let err: unknown;
    try {
      registry.forCarrier('hermes' as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CarrierRejectedError);
    expect((err as CarrierRejectedError).code).toBe('UNKNOWN_CARRIER');
  });

  it('finds the sandbox at CARRIER_URL, else where it listens, never at a wildcard address', () => {
    const base = { SANDBOX_CARRIER_HOST: '127.0.0.1', SANDBOX_CARRIER_PORT: 4010 };
    expect(sandboxCarrierUrl({ ...base, CARRIER_URL: 'http://sandbox-carrier:4010' })).toBe('http://sandbox-carrier:4010');
    expect(sandboxCarrierUrl({ ...base, CARRIER_URL: undefined })).toBe('http://127.0.0.1:4010');
    expect(sandboxCarrierUrl({ CARRIER_URL: undefined, SANDBOX_CARRIER_HOST: '0.0.0.0', SANDBOX_CARRIER_PORT: 4011 })).toBe('http://127.0.0.1:4011');
    expect(sandboxCarrierUrl({ CARRIER_URL: undefined, SANDBOX_CARRIER_HOST: '::1', SANDBOX_CARRIER_PORT: 4012 })).toBe('http://[::1]:4012');
  });
});

// A clock that stands still, so what the sandbox reports cannot depend on how fast the test runs.
const SANDBOX_NOW = Date.parse('2025-03-01T09:00:00Z');

describe('carrier registry: the adapters it hands out', () => {
  let sandbox: RunningSandboxCarrier;
  let easyPost: FakeEasyPost;
  let dhl: FakeDhl;
  let ups: FakeUps;

  beforeAll(async () => {
    [sandbox, easyPost, dhl, ups] = await Promise.all([startSandboxCarrier({ port: 0, stepMs: 1000, now: () => SANDBOX_NOW }), startFakeEasyPost(), startFakeDhl(), startFakeUps()]);
  });
  afterAll(async () => {
    await Promise.all([sandbox.close(), easyPost.close(), dhl.close(), ups.close()]);
  });

  it('a sandbox stand-in books with the carrier the store chose, and tracks what it booked', async () => {
    const registry = createCarrierRegistry(loadConfig({ NODE_ENV: 'development', CARRIER_URL: sandbox.url }));
    const req: BookingRequest = { ...bookingRequest(), service: 'Tracked48' };
    const booking = await registry.forCarrier('royal-mail').book(req);
    expect(booking).toMatchObject({ carrier: 'royal-mail', service: 'Tracked48' });
    await expect(registry.forCarrier('royal-mail').track(booking.trackingNumber)).resolves.toMatchObject({ status: 'LABEL_PURCHASED' });
  });

  it('a configured tracking-only carrier (DHL) buys its label through EasyPost and tracks through its own API', async () => {
    const registry = createCarrierRegistry(
      loadConfig({ NODE_ENV: 'development', EASYPOST_API_URL: easyPost.url, EASYPOST_API_KEY: easyPost.apiKey, DHL_API_URL: dhl.url, DHL_API_KEY: dhl.apiKey }),
      { timeoutMs: 2000 },
    );
    const adapter = registry.forCarrier('dhl');
    const req = bookingRequest();
    const booking = await adapter.book(req);
    expect(booking.carrier).toBe('DHLExpress');
    expect(easyPost.shipments.find((s) => s.reference === req.idempotencyKey)?.trackingCode).toBe(booking.trackingNumber);

    const before = dhl.requests.length;
    await expect(adapter.track('1234567891')).resolves.toMatchObject({ status: 'DELIVERED' });
    expect(dhl.requests.slice(before).map((r) => r.path)).toEqual(['/track/shipments']);
  });

  it('a configured OAuth carrier (UPS) books through EasyPost and tracks with its own token', async () => {
    const registry = createCarrierRegistry(
      loadConfig({ NODE_ENV: 'development', 
        EASYPOST_API_URL: easyPost.url,
        EASYPOST_API_KEY: easyPost.apiKey,
        UPS_API_URL: ups.url,
        UPS_TOKEN_URL: ups.tokenUrl,
        UPS_CLIENT_ID: ups.clientId,
        UPS_CLIENT_SECRET: ups.clientSecret,
      }),
      { timeoutMs: 2000 },
    );
    const booking = await registry.forCarrier('ups').book({ ...bookingRequest(), service: 'Express' });
    expect(booking).toMatchObject({ carrier: 'UPS', service: 'Express' });
    expect(booking.trackingNumber).toMatch(/^1Z/);
    await expect(registry.forCarrier('ups').track(ups.fixtures.delivered)).resolves.toMatchObject({ status: 'DELIVERED' });
  });
});
