import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../lib/processes';
import { CustomerEmailKey } from '../temporal-config/searchAttributes';
import { createPayloadCodec, EncryptionKeyError, parseEncryptionKeys } from '../temporal-config/codec';
import { createDataConverter } from '../temporal-config/dataConverter';
import { toWire } from '../api/codec/codecRoutes';
import type { Db } from '../db/connection';
import { HISTORY_FIXTURES } from './helpers/histories';
import { address, checkoutBody, createTestSku, paymentIntent, sendStripeEvent, type System, startSystem, waitForStatus, waitForWorkflowClosed } from './helpers/system';
import { cookieFor, verifiedCustomer } from './helpers/access';

/**
 * Customer data is encrypted in Temporal's store (and readable through the codec endpoint by admins only),
 * and a customer's erasure leaves none of it in our tables while money and stock records stay.
 */
const KEY1 = randomBytes(32).toString('base64');
const KEY2 = randomBytes(32).toString('base64');
const UI_ORIGIN = 'http://127.0.0.1:8233';
let sys: System;
const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  // Manual warehouse: paid orders wait on the picking list, so the test decides when they move on.
  sys = await startSystem({ name: 'privacy', env: { PAYLOAD_ENCRYPTION_KEYS: `k1:${KEY1}`, WAREHOUSE_MODE: 'manual', PAYMENT_WINDOW: '10 minutes', TEMPORAL_UI_PORT: '8233' } });
});
afterAll(async () => {
  await sys?.stop();
});

/** One customer whose every identifying value is unique to this run, so a search for it finds only ours. */
function customer() {
  const tag = randomBytes(4).toString('hex');
  const digits = String(100000 + (parseInt(tag, 16) % 900000));
  return {
    email: `privacy-${tag}@example.com`,
    name: `Quinn Vantablack ${tag}`,
    phone: `+44 7700 9${digits}`,
    e164: `+4477009${digits}`,
    line1: `${tag} Erasable Mews`,
  };
}
type Customer = ReturnType<typeof customer>;

async function checkout(c: Customer, quantity = 1) {
  const sku = await createTestSku(sys.ctx, 10, 3000);
  const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity }], { email: c.email, name: c.name, phone: c.phone, shippingAddress: address(c.line1) }));
  expect(res.status).toBe(201);
  return { ...res.body, sku } as { orderId: string; trackingToken: string; totalPence: number; payment: { paymentIntentId: string }; sku: string };
}

/** Stripe's event as it really arrives for a card payment: with the customer's billing and shipping details. */
async function payWithDetails(c: Customer, order: { orderId: string; totalPence: number; payment: { paymentIntentId: string } }) {
  const { res } = await sendStripeEvent(sys, 'payment_intent.succeeded', {
    ...paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence),
    receipt_email: c.email,
    shipping: { name: c.name, phone: c.phone, address: { line1: c.line1, city: 'London', postal_code: 'E1 6PQ', country: 'GB' } },
    latest_charge: { id: `ch_${randomBytes(6).toString('hex')}`, billing_details: { name: c.name, email: c.email, phone: c.e164, address: { line1: c.line1 } } },
  });
  expect(res.status).toBe(200);
}

/**
 * Every payload our code wrote into a history. Left out: search attributes (indexed by Temporal in plain text
 * by design) and the bookkeeping Core writes into markers itself (patch ids, local-activity attempt and
 * timing); a local activity's result in its marker is ours and is included.
 */
function historyPayloads(value: unknown): Payload[] {
  if (Array.isArray(value)) return value.flatMap((v) => historyPayloads(v));
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return [];
  const out: Payload[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === 'searchAttributes' || k === 'header') continue;
    if (k === 'markerRecordedEventAttributes') {
      const marker = v as temporal.api.history.v1.IMarkerRecordedEventAttributes;
      out.push(...(marker.details?.result?.payloads ?? []));
    } else if (k === 'payloads' && Array.isArray(v)) out.push(...(v as Payload[]));
    else out.push(...historyPayloads(v));
  }
  return out;
}

const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const fromB64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/**
 * Every text-like column of every table, searched for each value: written over information_schema so a table
 * added later is covered without anyone remembering to list it here.
 */
async function personalDataHits(db: Db, values: string[]): Promise<string[]> {
  const columns: Array<{ table_name: string; column_name: string }> = await db('information_schema.columns')
    .whereRaw('table_schema = current_schema()')
    .whereIn('data_type', ['text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY'])
    .select('table_name', 'column_name');
  expect(columns.length).toBeGreaterThan(10);
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    for (const value of values) {
      const pattern = `%${value.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      const row = await db(table_name).whereRaw('??::text ilike ?', [column_name, pattern]).count({ n: '*' }).first();
      if (Number(row?.n ?? 0) > 0) hits.push(`${table_name}.${column_name} holds "${value}" (${row?.n} rows)`);
    }
  }
  return hits;
}

const personalValues = (c: Customer) => [c.email, c.name, c.phone, c.e164, c.line1];

describe('payload encryption', () => {
  let history: temporal.api.history.v1.IHistory;
  let c: Customer;

  test('an order runs to completion with its history encrypted in the Temporal store', async () => {
    c = customer();
    const order = await checkout(c);
    await payWithDetails(c, order);
    await waitForStatus(sys, order, 'PICKING');
    // Signals travel encrypted too, and the workflow still reads them.
    expect((await sys.http.post(`/api/admin/orders/${order.orderId}/picked`, { by: 'jo' }, admin())).status).toBe(202);
    expect((await sys.http.post(`/api/admin/orders/${order.orderId}/packed`, { by: 'jo', parcels: [{ weightGrams: 600 }] }, admin())).status).toBe(202);
    const delivered = await waitForStatus(sys, order, 'DELIVERED');
    expect(delivered).toMatchObject({ source: 'workflow', name: c.name }); // the query result, decoded by the API's client
    await waitForWorkflowClosed(sys, order.orderId);

    // fetchHistory hands back the server's bytes as stored: nothing decoded on the way.
    history = await sys.ctx.temporal.workflow.getHandle(`order-${order.orderId}`).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
    expect(text(input.metadata?.encoding)).toBe('binary/encrypted');
    expect(text(input.metadata?.['encryption-key-id'])).toBe('k1');

    const payloads = historyPayloads(history.events);
    expect(payloads.length).toBeGreaterThan(20);
    const encodings = new Set(payloads.map((p) => text(p.metadata?.encoding)));
    expect([...encodings]).toEqual(['binary/encrypted']);

    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    for (const value of [c.name, c.phone, c.line1]) expect(raw).not.toContain(value);
  });

  test('the codec endpoint decodes those payloads for an admin, and only for an admin', async () => {
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
    const body = { payloads: [toWire(input)] };

    const anonymous = await sys.http.post('/api/admin/codec/decode', body, { Origin: UI_ORIGIN, 'X-Namespace': 'default' });
    expect(anonymous.status).toBe(401);
    // Still CORS-readable, so the UI can say why rather than show a network error.
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect((await sys.http.post('/api/admin/codec/decode', body, { Authorization: 'Bearer not-the-token' })).status).toBe(401);

    const decoded = await sys.http.post('/api/admin/codec/decode', body, { ...admin(), Origin: UI_ORIGIN, 'X-Namespace': 'default' });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(decoded.headers.get('cache-control')).toBe('no-store');
    const [plain] = decoded.body.payloads;
    expect(fromB64(plain.metadata.encoding)).toBe('json/plain');
    const orderInput = JSON.parse(fromB64(plain.data));
    expect(orderInput.customer).toMatchObject({ email: c.email, name: c.name, phone: c.phone });
    expect(orderInput.shippingAddress.line1).toBe(c.line1);

    // The browser asks first: the UI's headers (X-Namespace) must be allowed for its origin.
    const preflight = await sys.http.raw('/api/admin/codec/decode', {
      method: 'OPTIONS',
      headers: { Origin: UI_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    const stranger = await sys.http.raw('/api/admin/codec/decode', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('encode answers what decode reverses; plain payloads pass through; a bad payload is a 400, not a 500', async () => {
    const plain = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ hello: 'signal from the UI' })) };
    const encoded = await sys.http.post('/api/admin/codec/encode', { payloads: [plain] }, admin());
    expect(encoded.status).toBe(200);
    expect(fromB64(encoded.body.payloads[0].metadata.encoding)).toBe('binary/encrypted');
    const back = await sys.http.post('/api/admin/codec/decode', { payloads: [...encoded.body.payloads, plain] }, admin());
    expect(back.body.payloads).toEqual([plain, plain]);

    const unknownKey = { ...encoded.body.payloads[0], metadata: { ...encoded.body.payloads[0].metadata, 'encryption-key-id': b64('k9') } };
    const refused = await sys.http.post('/api/admin/codec/decode', { payloads: [unknownKey] }, admin());
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('UNDECODABLE_PAYLOAD');
    const data = Buffer.from(encoded.body.payloads[0].data, 'base64');
    data[data.length - 1] ^= 1;
    const tampered = await sys.http.post('/api/admin/codec/decode', { payloads: [{ ...encoded.body.payloads[0], data: data.toString('base64') }] }, admin());
    expect(tampered.status).toBe(400);

    const malformed = await sys.http.post('/api/admin/codec/decode', { payloads: [{ data: 'not base64!' }] }, admin());
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.fields[0].field).toBe('payloads.0.data');
  });

  test('key rotation: with k2 encrypting and k1 still listed, what k1 encrypted still decodes', async () => {
    const rotated = await startSystem({ name: 'privacy-rotated', worker: false, env: { PAYLOAD_ENCRYPTION_KEYS: `k2:${KEY2},k1:${KEY1}` } });
    try {
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
      const decoded = await rotated.http.post('/api/admin/codec/decode', { payloads: [toWire(input)] }, admin());
      expect(decoded.status).toBe(200);
      expect(JSON.parse(fromB64(decoded.body.payloads[0].data)).customer.name).toBe(c.name);
      // The same history through the rotated client's own data converter: what the API does when it reads a result.
      const result = await rotated.ctx.temporal.workflow.getHandle(`order-${JSON.parse(fromB64(decoded.body.payloads[0].data)).orderNumber}`).result();
      expect(result.customer.name).toBe(c.name);
    } finally {
      await rotated.stop();
    }

    const k1 = createPayloadCodec({ PAYLOAD_ENCRYPTION_KEYS: `k1:${KEY1}` });
    const k2first = createPayloadCodec({ PAYLOAD_ENCRYPTION_KEYS: `k2:${KEY2},k1:${KEY1}` });
    const payload: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hello"') };
    const [old] = await k1!.encode([payload]);
    const [fresh] = await k2first!.encode([payload]);
    expect(text(fresh.metadata?.['encryption-key-id'])).toBe('k2');
    expect(Buffer.from(fresh.data!).equals(Buffer.from((await k2first!.encode([payload]))[0].data!))).toBe(false); // a fresh IV each time
    expect(text((await k2first!.decode([old]))[0].data)).toBe('"hello"');
    // PAYLOAD_ENCRYPTION_KEY_ID picks the encrypting key among those listed.
    const chosen = createPayloadCodec({ PAYLOAD_ENCRYPTION_KEYS: `k2:${KEY2},k1:${KEY1}`, PAYLOAD_ENCRYPTION_KEY_ID: 'k1' });
    expect(text((await chosen!.encode([payload]))[0].metadata?.['encryption-key-id'])).toBe('k1');
    // Without keys there is no codec at all, and unencrypted histories (the replay fixtures) pass through.
    expect(createPayloadCodec({})).toBeUndefined();
    expect(await k1!.decode([payload])).toEqual([payload]);
  });

  test('a worker with the codec replays histories recorded before encryption and the encrypted one alike', async () => {
    const fixtures = fs.readdirSync(HISTORY_FIXTURES).filter((f) => f.endsWith('.json'));
    const histories = [
      ...fixtures.map((f) => ({ workflowId: path.basename(f, '.json'), history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, f), 'utf8'))) })),
      { workflowId: 'encrypted', history },
    ];
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH as string }, dataConverter: createDataConverter(sys.ctx.config), replayName: 'privacy' }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message.split('\n')[0]}`);
    }
    expect(failures).toEqual([]);
    expect(histories.length).toBeGreaterThan(5);
    // Without the keys the encrypted history cannot even be read, so the replay above did decrypt it (Core logs
    // the failed workflow task as a WARN: expected).
    const blind = await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH as string }, replayName: 'privacy-blind' }, history).then(
      () => 'replayed',
      (err: Error) => err.message,
    );
    expect(blind).not.toBe('replayed');
  });

  test('a malformed key list stops the process rather than writing payloads nobody can read', () => {
    expect(() => parseEncryptionKeys('k1')).toThrow(EncryptionKeyError);
    expect(() => parseEncryptionKeys(`k1:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseEncryptionKeys(`k1:${KEY1},k1:${KEY2}`)).toThrow(/twice/);
    expect(() => parseEncryptionKeys(`k1:${KEY1}`, 'k3')).toThrow(/not one of the keys/);
    expect(() => createPayloadCodec({ PAYLOAD_ENCRYPTION_KEY_ID: 'k1' })).toThrow(EncryptionKeyError);
    // The key material never appears in the message (it would end up in a log).
    const message = (() => {
      try {
        parseEncryptionKeys(`bad id:${KEY1}`);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/id of letters/);
    expect(message).not.toContain(KEY1);
  });
});

describe('erasure', () => {
  const erase = (body: unknown, headers: Record<string, string> = admin()) => sys.http.post('/api/admin/customers/erase', body, headers);

  test('bad input is a 400 naming the field; no token is a 401', async () => {
    const missing = await erase({});
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields).toEqual([expect.objectContaining({ field: 'email' })]);
    const wrong = await erase({ email: 'not-an-email' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields[0]).toMatchObject({ field: 'email', message: 'must be an email address' });
    const extra = await erase({ email: 'a@example.com', name: 'Someone' });
    expect(extra.status).toBe(400);
    expect(extra.body.error.fields[0].field).toBe('name');
    expect((await erase({ email: 'a@example.com' }, {})).status).toBe(401);
  });

  test('erases the customer from every table, keeps money and stock, clears CustomerEmail on running orders; twice is harmless', async () => {
    const c = customer();
    // A: paid, then cancelled by an admin whose note names the customer (free text in the event log).
    const a = await checkout(c, 2);
    await payWithDetails(c, a);
    await waitForStatus(sys, a, 'PICKING');
    const cancelled = await sys.http.post(`/api/admin/orders/${a.orderId}/cancel`, { actor: 'kim', note: `${c.name} rang from ${c.phone} to cancel` }, admin());
    expect(cancelled.status).toBe(200);
    await waitForWorkflowClosed(sys, a.orderId);
    // B: still running, waiting for payment; the customer set their preferences (phone) on it.
    const b = await checkout(c);
    const verified = cookieFor(await verifiedCustomer(sys.http, b, c.email), '/api/customer/preferences');
    const prefs = await sys.http.raw('/api/customer/preferences', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Cookie: verified },
      body: JSON.stringify({ phone: c.e164, channels: ['email', 'in_app'] }),
    });
    expect(prefs.status).toBe(200);
    await waitFor('in-app messages for the customer', async () => Number((await sys.ctx.db('in_app_notifications').where({ email: c.email }).count({ n: '*' }).first())?.n) >= 2);

    const db = sys.ctx.db;
    // Money and stock, exactly as they were.
    const ledgers = async () => ({
      payments: await db('payments').whereIn('order_number', [a.orderId, b.orderId]).orderBy('id'),
      refunds: await db('refunds').whereIn('order_number', [a.orderId, b.orderId]).orderBy('id'),
      stock: await db('stock_ledger').whereIn('order_number', [a.orderId, b.orderId]).orderBy('id'),
      lines: await db('order_lines').whereIn('order_number', [a.orderId, b.orderId]).orderBy('id'),
    });
    const before = await ledgers();
    expect(before.refunds).toHaveLength(1);
    expect(before.stock.length).toBeGreaterThanOrEqual(3);
    const eventCount = Number((await db('order_events').whereIn('order_number', [a.orderId, b.orderId]).count({ n: '*' }).first())?.n);
    // The data is there to be found: the check below can fail.
    expect((await personalDataHits(db, personalValues(c))).length).toBeGreaterThan(10);

    const res = await erase({ email: `  ${c.email.toUpperCase()} `, by: 'dpo-sam' });
    expect(res.status).toBe(200);
    expect(res.body.orders.sort()).toEqual([a.orderId, b.orderId].sort());
    expect(res.body.erased).toMatchObject({ orders: 2, customerPreferencesDeleted: 1 });
    expect(res.body.erased.orderEvents).toBeGreaterThanOrEqual(1);
    expect(res.body.erased.webhookEvents).toBeGreaterThanOrEqual(1);
    expect(res.body.erased.notifications).toBeGreaterThanOrEqual(2);
    expect(res.body.erased.inAppNotificationsDeleted).toBeGreaterThanOrEqual(2);
    expect(res.body.kept).toEqual({ payments: before.payments.length, refunds: 1, stockLedger: before.stock.length });
    expect(res.body.pendingSearchAttributeClear).toEqual([`order-${b.orderId}`]);
    expect(res.body.temporalChecked).toBe(true);

    expect(await personalDataHits(db, personalValues(c))).toEqual([]);
    expect(await ledgers()).toEqual(before);
    expect(Number((await db('order_events').whereIn('order_number', [a.orderId, b.orderId]).count({ n: '*' }).first())?.n)).toBe(eventCount);
    const row = await db('orders').where({ order_number: a.orderId }).first();
    expect(row).toMatchObject({ email: res.body.erasedEmail, name: 'erased', phone: null, shipping_address: { country: 'GB', postcodeDistrict: 'E1' }, total_pence: a.totalPence });
    expect(res.body.erasedEmail).toMatch(/^erased\+[0-9a-f]{24}@invalid$/);
    const note = (await db('order_events').where({ order_number: a.orderId, to_status: 'CANCELLED' }).first()).data.note;
    expect(note).toBe('[erased] rang from [erased] to cancel');
    const audit = await db('erasure_requests').where({ id: res.body.erasureId }).first();
    // Recorded under the key that asked (the dev key), never the `by` the body typed.
    expect(audit).toMatchObject({ email_hash: res.body.emailHash, requested_by: 'key:dev' });
    expect(audit.counts).toMatchObject({ orders: 2, searchAttributeClearSignalled: 1, temporalChecked: true });

    // The running order drops CustomerEmail (and forgets who its customer was in what it shows).
    const handle = sys.ctx.temporal.workflow.getHandle(`order-${b.orderId}`);
    await waitFor('CustomerEmail to be cleared on the running order', async () => (await handle.describe()).typedSearchAttributes.get(CustomerEmailKey) === undefined);
    const view = await sys.http.get(`/api/orders/${b.orderId}?token=${b.trackingToken}`);
    expect(JSON.stringify(view.body)).not.toContain(c.name);

    // Again: nothing left to change, nothing breaks, the request is still recorded.
    const again = await erase({ email: c.email });
    expect(again.status).toBe(200);
    expect(again.body.erasureId).not.toBe(res.body.erasureId);
    expect(again.body.emailHash).toBe(res.body.emailHash);
    expect(again.body.orders.sort()).toEqual([a.orderId, b.orderId].sort());
    expect(again.body.erased).toEqual({ orders: 0, orderEvents: 0, webhookEvents: 0, notifications: 0, inAppNotificationsDeleted: 0, customerPreferencesDeleted: 0 });

    // The erased order still works: cancelled, its stock back, and nothing personal written on the way.
    expect((await sys.http.post(`/api/admin/orders/${b.orderId}/cancel`, { actor: 'kim' }, admin())).status).toBe(200);
    await waitForWorkflowClosed(sys, b.orderId);
    expect((await db('orders').where({ order_number: b.orderId }).first()).status).toBe('CANCELLED');
    expect(await personalDataHits(db, personalValues(c))).toEqual([]);
  });

  test('the event log stays append-only outside an erasure, and erasure may rewrite only its data', async () => {
    const db = sys.ctx.db;
    const event = await db('order_events').orderBy('id', 'desc').first('id');
    await expect(db('order_events').where({ id: event.id }).update({ data: '{}' })).rejects.toThrow(/append-only/);
    await expect(db('order_events').where({ id: event.id }).delete()).rejects.toThrow(/append-only/);
    await expect(
      db.transaction(async (trx) => {
        await trx.raw("select set_config('dy.erasure', 'on', true)");
        await trx('order_events').where({ id: event.id }).update({ type: 'rewritten' });
      }),
    ).rejects.toThrow(/only the data column/);
    await expect(
      db.transaction(async (trx) => {
        await trx.raw("select set_config('dy.erasure', 'on', true)");
        await trx('order_events').where({ id: event.id }).delete();
      }),
    ).rejects.toThrow(/append-only/);
    // The setting ends with its transaction: the pooled connection is refused again afterwards.
    await db.transaction(async (trx) => {
      await trx.raw("select set_config('dy.erasure', 'on', true)");
    });
    await expect(db('order_events').where({ id: event.id }).update({ data: '{}' })).rejects.toThrow(/append-only/);
  });
});
