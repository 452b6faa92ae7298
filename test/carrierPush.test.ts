/**
 * Carriers' tracking pushes (UPS Track Alert, the sandbox's signed pushes) through the API's push routes, against
 * the run's real PostgreSQL and Temporal. Starting a shipment workflow is not this file's business: the route's
 * reach ends at signalling the workflow named by the shipment's row. So the real Temporal client is pointed at a
 * workflow id that does not exist (proving the route signals exactly that id), and a recording client shows what
 * the signal would carry.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import express from 'express';
import { errorHandler } from '../api/errors';
import { createCarrierPushRoutes, type CarrierPushContext } from '../api/shipping/pushRoutes';
import { createTemporalClient } from '../api/temporal';
import type { TrackingPush } from '../domain/shipping/carriers/carrier';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPush } from '../domain/shipping/carriers/sandboxPush';
import { createDb, type Db } from '../db/connection';
import { DEV_SANDBOX_PUSH_SECRET, loadConfig, sandboxPushSecret, type Config } from '../lib/config';
import { httpClient, type Http, type HttpResponse } from './helpers/system';

const UPS_CREDENTIAL = `ups-credential-${randomBytes(12).toString('hex')}`;
const SANDBOX_SECRET = `sandbox-secret-${randomBytes(12).toString('hex')}`;

interface Signalled {
  workflowId: string;
  signal: string;
  payload: TrackingPush;
}

/** Records signals instead of sending them; callTemporal's deadline wrapper is all it needs besides. */
function recordingTemporal(signals: Signalled[]): Client {
  const client = {
    connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (signal: string, payload: TrackingPush) => {
          signals.push({ workflowId, signal, payload });
        },
      }),
    },
  };
  return client as unknown as Client;
}

async function serve(ctx: CarrierPushContext): Promise<{ http: Http; close(): Promise<void> }> {
  const app = express();
  app.use(createCarrierPushRoutes(ctx));
  app.use(errorHandler);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    http: httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function upsAlert(trackingNumber: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    trackingNumber,
    localActivityDate: '20250311',
    localActivityTime: '081500',
    gmtActivityDate: '20250311',
    gmtActivityTime: '081500',
    activityLocation: { city: 'LEICESTER', stateProvince: '', postalCode: '', country: 'GB' },
    activityStatus: { type: 'I', code: 'OT', description: 'Out For Delivery Today', descriptionCode: '021' },
    scheduledDeliveryDate: '20250311',
    actualDeliveryDate: '',
    actualDeliveryTime: '',
    ...overrides,
  };
}

let config: Config;
let db: Db;
let temporal: Client;

/** A shipment row as the shipment workflow writes it, under a workflow id nobody has started. */
async function shipment(carrier: string, trackingNumber: string): Promise<{ workflowId: string; orderNumber: string }> {
  const orderNumber = `DY-PUSH-${randomBytes(4).toString('hex').toUpperCase()}`;
  const workflowId = `shipment-${orderNumber}-1`;
  await db('orders').insert({
    order_number: orderNumber,
    workflow_id: `order-${orderNumber}`,
    status: 'SHIPPED',
    email: 'push@example.com',
    name: 'Push Test',
    shipping_address: JSON.stringify({ line1: '1 High St', city: 'Leicester', postcode: 'LE1 1AA', country: 'GB' }),
    subtotal_pence: 2500,
    total_pence: 2500,
    vat_pence: 417,
  });
  await db('shipments').insert({
    order_number: orderNumber,
    kind: 'outbound',
    shipment_no: 1,
    workflow_id: workflowId,
    carrier,
    tracking_number: trackingNumber,
    status: 'IN_TRANSIT',
    weight_grams: 750,
    lines: JSON.stringify([{ lineNo: 1, sku: 'DY-TEE-M', quantity: 1 }]),
  });
  return { workflowId, orderNumber };
}

const upsNumber = () => `1ZDY0${randomBytes(7).toString('hex').toUpperCase().slice(0, 13)}`;
const sandboxNumber = () => `DYSD${randomBytes(8).toString('hex').toUpperCase().slice(0, 15)}`;

beforeAll(() => {
  config = loadConfig({ ...process.env, UPS_WEBHOOK_CREDENTIAL: UPS_CREDENTIAL, SANDBOX_PUSH_SECRET: SANDBOX_SECRET });
  db = createDb(config.DATABASE_URL as string, { min: 0, max: 4 });
  temporal = createTemporalClient(config);
});

afterAll(async () => {
  await temporal.connection.close();
  await db.destroy();
});

/** JSON posted with the headers given; an undefined header is left out, as a carrier that sends none would. */
function postJson(http: Http, path: string, body: string, headers: Record<string, string | undefined>): Promise<HttpResponse> {
  const sent = Object.fromEntries(Object.entries(headers).filter((h): h is [string, string] => h[1] !== undefined));
  return http.raw(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...sent }, body });
}

/** The push routes over a recording Temporal client for one describe block, its signals cleared before each test. */
function recordingApi(): { signals: Signalled[]; post(path: string, body: string, headers: Record<string, string | undefined>): Promise<HttpResponse> } {
  const signals: Signalled[] = [];
  let api: { http: Http; close(): Promise<void> };
  beforeAll(async () => {
    api = await serve({ config, db, temporal: recordingTemporal(signals) });
  });
  afterAll(() => api.close());
  beforeEach(() => {
    signals.length = 0;
  });
  return { signals, post: (path, body, headers) => postJson(api.http, path, body, headers) };
}

describe('UPS Track Alert push', () => {
  const api = recordingApi();
  const { signals } = api;
  const post = (body: unknown, credential?: string) =>
    api.post('/api/carriers/ups/track-alert', typeof body === 'string' ? body : JSON.stringify(body), { 'User-Agent': 'UPSPubSubTrackingService', credential });

  it('signals the shipment workflow named by the row with the event in our vocabulary', async () => {
    const tn = upsNumber();
    const { workflowId } = await shipment('ups', tn);
    const body = upsAlert(` ${tn}`);
    const res = await post(body, UPS_CREDENTIAL);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, workflowId });
    expect(signals).toEqual([
      {
        workflowId,
        signal: 'trackingPush',
        payload: {
          trackingNumber: tn,
          events: [{ status: 'OUT_FOR_DELIVERY', occurredAt: '2025-03-11T08:15:00.000Z', description: 'Out For Delivery Today', location: 'LEICESTER, GB', raw: body }],
          estimatedDelivery: '2025-03-11',
        },
      },
    ]);
  });

  it('refuses a wrong or missing credential with 401 before reading the body, and signals nothing', async () => {
    const tn = upsNumber();
    await shipment('ups', tn);
    for (const credential of [undefined, '', `${UPS_CREDENTIAL}x`, UPS_CREDENTIAL.slice(0, -1), UPS_CREDENTIAL.toUpperCase()]) {
      const res = await post(upsAlert(tn), credential);
      expect({ credential, status: res.status, code: res.body?.error?.code }).toEqual({ credential, status: 401, code: 'CREDENTIAL_INVALID' });
    }
    // Even a body that would be a 400 is a 401 first: strangers learn nothing about what we accept.
    expect((await post('{not json', 'wrong')).status).toBe(401);
    expect(signals).toEqual([]);
  });

  it('refuses every push while no credential is configured', async () => {
    const unconfigured = await serve({ config: { ...config, UPS_WEBHOOK_CREDENTIAL: undefined }, db, temporal: recordingTemporal(signals) });
    try {
      const tn = upsNumber();
      await shipment('ups', tn);
      for (const credential of [undefined, '', 'undefined']) {
        const res = await postJson(unconfigured.http, '/api/carriers/ups/track-alert', JSON.stringify(upsAlert(tn)), { credential });
        expect(res.status).toBe(401);
      }
    } finally {
      await unconfigured.close();
    }
    expect(signals).toEqual([]);
  });

  it('answers 400 naming the field for a payload it cannot read, and signals nothing', async () => {
    const tn = upsNumber();
    await shipment('ups', tn);
    const missing = await post(upsAlert('', {}), UPS_CREDENTIAL);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'trackingNumber', message: 'is required' }] });

    const timeless = await post(upsAlert(tn, { gmtActivityDate: '', localActivityDate: '' }), UPS_CREDENTIAL);
    expect(timeless.status).toBe(400);
    expect(timeless.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['gmtActivityDate']);

    const malformed = await post('{"trackingNumber": ', UPS_CREDENTIAL);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
    expect(signals).toEqual([]);
  });

  it('accepts and ignores a tracking number with no shipment (202), so UPS does not redeliver it', async () => {
    const res = await post(upsAlert(upsNumber()), UPS_CREDENTIAL);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ received: true, ignored: true, reason: 'unknown tracking number' });
    expect(signals).toEqual([]);
  });
});

describe('sandbox carrier push', () => {
  const api = recordingApi();
  const { signals } = api;
  const post = (body: string, signature?: string) => api.post('/api/carriers/sandbox/events', body, { [SANDBOX_SIGNATURE_HEADER]: signature });
  const events = [
    { code: 'IT', status: 'IN_TRANSIT', description: 'Parcel sorted at hub and on its way', location: 'Sandbox National Hub, Northampton', occurredAt: '2025-03-01T09:00:16.000Z' },
    { code: 'PU', status: 'CARRIER_PICKED_UP', description: 'Parcel collected from sender', location: 'DY Warehouse, Leicester', occurredAt: '2025-03-01T09:00:08.000Z' },
  ];

  it('verifies the HMAC over the exact bytes and signals the events oldest first', async () => {
    const tn = sandboxNumber();
    const { workflowId } = await shipment('royal-mail', tn);
    const body = JSON.stringify({ trackingNumber: tn.toLowerCase(), events, estimatedDelivery: '2025-03-01T09:00:32.000Z' });
    const res = await post(body, signSandboxPush(body, SANDBOX_SECRET));
    expect(res.status).toBe(200);
    expect(signals).toEqual([
      {
        workflowId,
        signal: 'trackingPush',
        payload: {
          trackingNumber: tn,
          events: [
            { status: 'CARRIER_PICKED_UP', occurredAt: '2025-03-01T09:00:08.000Z', description: 'Parcel collected from sender', location: 'DY Warehouse, Leicester', raw: events[1] },
            { status: 'IN_TRANSIT', occurredAt: '2025-03-01T09:00:16.000Z', description: 'Parcel sorted at hub and on its way', location: 'Sandbox National Hub, Northampton', raw: events[0] },
          ],
          estimatedDelivery: '2025-03-01T09:00:32.000Z',
        },
      },
    ]);
  });

  it('refuses a missing signature, another key, or a body changed after signing, with 401', async () => {
    const tn = sandboxNumber();
    await shipment('dpd', tn);
    const body = JSON.stringify({ trackingNumber: tn, events });
    const tampered = body.replace('Northampton', 'Nottingham');
    const cases: Array<[string, string | undefined]> = [
      ['no signature', undefined],
      ['another key', signSandboxPush(body, `${SANDBOX_SECRET}-other`)],
      ['the dev key', signSandboxPush(body, DEV_SANDBOX_PUSH_SECRET)],
      ['tampered body', signSandboxPush(body, SANDBOX_SECRET)],
      ['bare hex', signSandboxPush(body, SANDBOX_SECRET).slice('sha256='.length)],
    ];
    for (const [what, signature] of cases) {
      const res = await post(what === 'tampered body' ? tampered : body, signature);
      expect({ what, status: res.status, code: res.body?.error?.code }).toEqual({ what, status: 401, code: 'SIGNATURE_INVALID' });
    }
    expect(signals).toEqual([]);
  });

  it('refuses a push signed more than five minutes ago (a replay), or ahead, with 401 SIGNATURE_EXPIRED, and signals nothing', async () => {
    const tn = sandboxNumber();
    await shipment('dpd', tn);
    const body = JSON.stringify({ trackingNumber: tn, events });
    const now = Math.floor(Date.now() / 1000);
    signals.length = 0;
    for (const t of [now - 6 * 60, now + 6 * 60]) {
      const res = await post(body, signSandboxPush(body, SANDBOX_SECRET, t));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('SIGNATURE_EXPIRED');
    }
    // The timestamp is signed: moving it on a captured push breaks the signature.
    const captured = signSandboxPush(body, SANDBOX_SECRET, now - 6 * 60);
    expect((await post(body, captured.replace(/^t=\d+/, `t=${now}`))).body.error.code).toBe('SIGNATURE_INVALID');
    expect(signals).toEqual([]);
    expect((await post(body, signSandboxPush(body, SANDBOX_SECRET, now - 60))).status).toBe(200);
  });

  it('answers 400 naming the field, and 202 for a number it does not know', async () => {
    const tn = sandboxNumber();
    await shipment('dhl', tn);
    const badStatus = JSON.stringify({ trackingNumber: tn, events: [{ ...events[0], status: 'ARRIVED' }] });
    const res = await post(badStatus, signSandboxPush(badStatus, SANDBOX_SECRET));
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['events.0.status']);

    const empty = JSON.stringify({ trackingNumber: tn, events: [] });
    expect((await post(empty, signSandboxPush(empty, SANDBOX_SECRET))).body.error.fields).toEqual([{ field: 'events', message: 'must hold at least one event' }]);

    const unknown = JSON.stringify({ trackingNumber: sandboxNumber(), events });
    expect((await post(unknown, signSandboxPush(unknown, SANDBOX_SECRET))).status).toBe(202);
    expect(signals).toEqual([]);
  });

  it('takes the public dev key only outside production, and only while no secret of its own is set', () => {
    expect(sandboxPushSecret({ NODE_ENV: 'development', SANDBOX_PUSH_SECRET: undefined })).toBe(DEV_SANDBOX_PUSH_SECRET);
    expect(sandboxPushSecret({ NODE_ENV: 'test', SANDBOX_PUSH_SECRET: SANDBOX_SECRET })).toBe(SANDBOX_SECRET);
    expect(sandboxPushSecret({ NODE_ENV: 'production', SANDBOX_PUSH_SECRET: undefined })).toBeUndefined();
  });
});

describe('push routes with the real Temporal client', () => {
  let api: { http: Http; close(): Promise<void> };

  beforeAll(async () => {
    api = await serve({ config, db, temporal });
  });
  afterAll(() => api.close());

  it('signal the workflow id from the shipment row, and say so when that workflow does not exist (409)', async () => {
    const ups = upsNumber();
    const upsShipment = await shipment('ups', ups);
    const upsRes = await postJson(api.http, '/api/carriers/ups/track-alert', JSON.stringify(upsAlert(ups)), { credential: UPS_CREDENTIAL });
    expect(upsRes.status).toBe(409);
    expect(upsRes.body.error).toEqual({ code: 'SHIPMENT_WORKFLOW_NOT_FOUND', message: `shipment workflow not found: ${upsShipment.workflowId}`, workflowId: upsShipment.workflowId });

    const sandbox = sandboxNumber();
    const sandboxShipment = await shipment('fedex', sandbox);
    const body = JSON.stringify({ trackingNumber: sandbox, events: [{ status: 'DELIVERED', description: 'Delivered', occurredAt: '2025-03-01T09:00:32Z' }] });
    const sandboxRes = await postJson(api.http, '/api/carriers/sandbox/events', body, { [SANDBOX_SIGNATURE_HEADER]: signSandboxPush(body, SANDBOX_SECRET) });
    expect(sandboxRes.status).toBe(409);
    expect(sandboxRes.body.error.message).toBe(`shipment workflow not found: ${sandboxShipment.workflowId}`);
  });
});
