/**
 * What a customer sees of their own order (GET /api/orders/:id, /shipments and the order's stream) holds no
 * staff identity, no note staff wrote, no carrier cost or ranking and no internal URL, while the staff views of
 * the same order (GET /api/admin/orders/:id, its /shipments, the admin stream) keep all of it.
 */
import { randomBytes } from 'node:crypto';
import { createStaff } from '../api/staff/staffStore';
import { waitFor } from '../lib/processes';
import { openSse, orderEvents, type SseStream } from './helpers/sse';
import { placePaidOrder } from './helpers/orders';
import { address, type System, startSystem, waitForStatus } from './helpers/system';

let sys: System;
const opened: SseStream[] = [];
const stamp = randomBytes(3).toString('hex');
const PASSWORD = 'correct horse battery staple';
const jane = { email: `jane.views.${stamp}@dyofficial.co.uk`, name: 'Janet Quillfeather', role: 'admin' as const, password: PASSWORD };
const walt = { email: `walt.views.${stamp}@dyofficial.co.uk`, name: 'Walter Brimblecombe', role: 'warehouse' as const, password: PASSWORD };
const NOTES = {
  override: `override-note-${stamp}: the usual carrier is on strike`,
  resolve: `resolve-note-${stamp}: rang the depot, they found it`,
  cancel: `cancel-note-${stamp}: fraud suspected by the risk desk`,
};
/** Every string of one of these kinds is the store's business; none may reach a customer. */
const SECRETS = [jane.name, jane.email, walt.name, walt.email, ...Object.values(NOTES)];
const INTERNAL_KEYS = /"(costPence|overriddenBy|alternatives|labelUrl|weightGrams|refundId|stripeEventId|restoredUnits|pickingList|resumeAt|detail|note)"/;
const INTERNAL_URL = /https?:\/\/|\/v1\/shipments\/|\/api\/admin\//;
const ROLE_WORDS = ['customer', 'staff', 'warehouse', 'carrier', 'payment', 'system'];

type Session = { cookie: string; csrf: string };
let janeSession: Session;
let waltSession: Session;
const bearer = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
const as = (s: Session) => ({ Cookie: s.cookie, 'X-CSRF-Token': s.csrf });

async function signIn(who: { email: string; password: string }): Promise<Session> {
  const res = await sys.http.post('/api/staff/login', { email: who.email, password: who.password });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${JSON.stringify(res.body)}`);
  return { cookie: /^(dy_staff=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] as string, csrf: res.body.csrfToken as string };
}

beforeAll(async () => {
  sys = await startSystem({ name: 'customer-views', env: { WAREHOUSE_MODE: 'manual', STREAM_HEARTBEAT: '1s' } });
  await createStaff(sys.ctx.db, jane);
  await createStaff(sys.ctx.db, walt);
  janeSession = await signIn(jane);
  waltSession = await signIn(walt);
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
afterAll(async () => {
  await sys?.stop();
});

interface Order {
  orderId: string;
  trackingToken: string;
  totalPence: number;
  payment: { paymentIntentId: string };
}

async function paidOrder(line1: string): Promise<Order> {
  return placePaidOrder(sys, { stock: 10, pricePence: 2700, checkout: { shippingAddress: address(line1) }, until: 'PICKING' });
}

/** The id of the order's latest event matching `where`, once there is one. */
const eventId = (orderId: string, where: Record<string, unknown>) =>
  waitFor(`an event ${JSON.stringify(where)} of ${orderId}`, async () => (await sys.ctx.db('order_events').where({ order_number: orderId, ...where }).orderBy('id', 'desc').first('id'))?.id as number | undefined, { timeoutMs: 60_000, intervalMs: 100 });

/** The customer's stream replays the whole order: read until it has passed `upTo`, an event customers are shown. */
async function customerFrames(order: Order, upTo: number): Promise<any[]> {
  const stream = await openSse(`${sys.url}/api/orders/${order.orderId}/stream?token=${encodeURIComponent(order.trackingToken)}`);
  opened.push(stream);
  expect(stream.status).toBe(200);
  await stream.until(`the customer stream to reach event ${upTo}`, (s) => orderEvents(s).some((e) => e.id >= upTo));
  return orderEvents(stream);
}

async function adminFrames(after: number, upTo: number): Promise<any[]> {
  const stream = await openSse(`${sys.url}/api/admin/stream?lastEventId=${after}`, { Cookie: janeSession.cookie });
  opened.push(stream);
  expect(stream.status).toBe(200);
  await stream.until(`the admin stream to reach event ${upTo}`, (s) => orderEvents(s).some((e) => e.id >= upTo));
  return orderEvents(stream);
}

async function customerViews(order: Order, upTo: number) {
  const q = `?token=${encodeURIComponent(order.trackingToken)}`;
  const [detail, shipments, frames] = await Promise.all([sys.http.get(`/api/orders/${order.orderId}${q}`), sys.http.get(`/api/orders/${order.orderId}/shipments${q}`), customerFrames(order, upTo)]);
  expect(detail.status).toBe(200);
  expect(shipments.status).toBe(200);
  return { detail: detail.body, shipments: shipments.body, frames };
}

function expectNothingInternal(what: string, view: unknown): void {
  const text = JSON.stringify(view);
  for (const secret of SECRETS) expect({ what, leaked: text.includes(secret) ? secret : null }).toEqual({ what, leaked: null });
  expect({ what, key: INTERNAL_KEYS.exec(text)?.[0] ?? null }).toEqual({ what, key: null });
  expect({ what, url: INTERNAL_URL.exec(text)?.[0] ?? null }).toEqual({ what, url: null });
  expect(text).not.toMatch(/"(admin|warehouse|customer):/);
}

const everyActor = (events: Array<{ actor: string }>) => [...new Set(events.map((e) => e.actor))];

test('carrier override, named packing and a resolved parcel problem: the customer sees roles and progress, staff see names, notes, costs and label URLs', async () => {
  const order = await paidOrder(`12 SANDBOX-EXCEPTION Row ${stamp}`);
  const firstId = (await eventId(order.orderId, {})) as number;
  const before = (await sys.http.get(`/api/admin/orders/${order.orderId}`, bearer())).body;
  const other = ['royal-mail', 'dpd', 'dhl', 'ups'].find((c) => c !== before.carrierChoice.carrier) as string;
  const override = await sys.http.post(`/api/admin/orders/${order.orderId}/carrier`, { carrier: other, note: NOTES.override }, as(janeSession));
  expect(override.status).toBe(200);
  expect(override.body.carrierChoice).toMatchObject({ carrier: other, costPence: expect.any(Number), overriddenBy: `admin:${jane.name} <${jane.email}>` });

  expect((await sys.http.post(`/api/admin/orders/${order.orderId}/picked`, {}, as(waltSession))).status).toBe(202);
  expect((await sys.http.post(`/api/admin/orders/${order.orderId}/packed`, { parcels: [{ weightGrams: 640 }] }, as(waltSession))).status).toBe(202);
  await waitForStatus(sys, order, 'NEEDS_ATTENTION');
  const resolved = await sys.http.post(`/api/admin/orders/${order.orderId}/attention`, { action: 'resolve', note: NOTES.resolve }, as(janeSession));
  expect(resolved.status).toBe(200);
  const retryId = await eventId(order.orderId, { type: 'status_changed', reason: 'ATTENTION_RETRY' });

  // Staff keep everything: who did what, their notes, what the carrier costs and how it was chosen, the label's URL.
  const staff = (await sys.http.get(`/api/admin/orders/${order.orderId}`, bearer())).body;
  const staffText = JSON.stringify(staff);
  for (const s of [jane.email, walt.email, NOTES.override, NOTES.resolve]) expect(staffText).toContain(s);
  expect(staff.carrierChoice).toMatchObject({ carrier: other, costPence: expect.any(Number), overriddenBy: expect.stringContaining(jane.email) });
  expect(staff.timeline.find((e: any) => e.type === 'carrier_overridden')).toMatchObject({ actor: `admin:${jane.name} <${jane.email}>`, data: { note: NOTES.override, costPence: expect.any(Number) } });
  expect(staff.timeline.find((e: any) => e.type === 'picked').actor).toBe(`warehouse:${walt.name} <${walt.email}>`);
  expect(staff.timeline.find((e: any) => e.type === 'shipment_booked').data.labelUrl).toMatch(/^https?:\/\//);
  const staffParcels = (await sys.http.get(`/api/admin/orders/${order.orderId}/shipments`, bearer())).body.shipments;
  expect(staffParcels[0]).toMatchObject({ kind: 'outbound', weightGrams: 640 });
  const adminStream = await adminFrames(firstId - 1, retryId);
  const adminText = JSON.stringify(adminStream.filter((e) => e.orderNumber === order.orderId));
  for (const s of [jane.email, walt.email, NOTES.override, NOTES.resolve, '"costPence"', '"labelUrl"']) expect(adminText).toContain(s);

  // The customer: the same order, its progress and parcel, and nothing of the above.
  const mine = await customerViews(order, retryId);
  expectNothingInternal('order', mine.detail);
  expectNothingInternal('shipments', mine.shipments);
  expectNothingInternal('stream', mine.frames);
  expect(mine.detail.carrierChoice).toEqual({ carrier: other, service: expect.any(String) });
  expect(mine.detail.shipments[0]).toMatchObject({ carrier: other, trackingNumber: expect.any(String), status: expect.any(String), events: expect.any(Array) });
  expect(mine.shipments.shipments[0]).toMatchObject({ kind: 'outbound', carrier: other, trackingNumber: mine.detail.shipments[0].trackingNumber, events: expect.arrayContaining([expect.objectContaining({ status: 'FAILURE' })]) });
  for (const events of [mine.detail.timeline, mine.frames]) {
    expect(events.filter((e: any) => e.type === 'status_changed').map((e: any) => e.toStatus)).toEqual(expect.arrayContaining(['PAID', 'PICKING', 'PACKED', 'NEEDS_ATTENTION']));
    expect(ROLE_WORDS).toEqual(expect.arrayContaining(everyActor(events)));
    expect(events.find((e: any) => e.toStatus === 'PACKED').actor).toBe('warehouse');
    expect(events.find((e: any) => e.reason === 'ATTENTION_RETRY')).toMatchObject({ actor: 'staff', fromStatus: 'NEEDS_ATTENTION' });
    expect(events.find((e: any) => e.type === 'shipment_booked')).toMatchObject({ actor: 'carrier', data: { shipmentNo: 1, carrier: other, trackingNumber: expect.any(String) } });
    expect(events.some((e: any) => e.type === 'carrier_overridden' || e.type === 'picking_list_planned')).toBe(false);
  }
});

test('an order cancelled by staff with a note: the customer is told staff cancelled it and what comes back, not the note', async () => {
  const order = await paidOrder(`3 Quiet Mews ${stamp}`);
  const cancelled = await sys.http.post(`/api/admin/orders/${order.orderId}/cancel`, { note: NOTES.cancel }, as(janeSession));
  expect(cancelled.status).toBe(200);
  await waitForStatus(sys, order, 'CANCELLED');
  const cancelId = await eventId(order.orderId, { type: 'status_changed', to_status: 'CANCELLED' });

  const staff = (await sys.http.get(`/api/admin/orders/${order.orderId}`, bearer())).body;
  expect(staff.timeline.find((e: any) => e.toStatus === 'CANCELLED')).toMatchObject({ actor: `admin:${jane.name} <${jane.email}>`, data: { note: NOTES.cancel, refundId: expect.any(String) } });

  const mine = await customerViews(order, cancelId);
  expectNothingInternal('order', mine.detail);
  expectNothingInternal('stream', mine.frames);
  for (const events of [mine.detail.timeline, mine.frames]) {
    expect(events.find((e: any) => e.toStatus === 'CANCELLED')).toMatchObject({ actor: 'staff', reason: 'ADMIN_CANCELLED', data: { refundedPence: order.totalPence } });
  }
  expect(mine.detail).toMatchObject({ status: 'CANCELLED', cancelReason: 'ADMIN_CANCELLED', refundedPence: order.totalPence });
});
