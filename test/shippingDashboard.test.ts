/**
 * The shipping dashboard's API over rows written straight into the database: exact on-time rates, delivery
 * percentiles and costs per carrier and zone (London days at the range's edges included), the parcel search
 * and its filters, the issues lists, 400s naming the field, and who may read it.
 */
import { createStaff } from '../api/staff/staffStore';
import { type FixtureOrder, insertOrder, insertShipment } from './helpers/shippingFixtures';
import { type System, startSystem } from './helpers/system';

let sys: System;
const stamp = Date.now();
const PASSWORD = 'shipping dashboard password';
const people = {
  admin: { email: `ada.ship.${stamp}@dyofficial.co.uk`, name: 'Ada Admin', role: 'admin' as const, password: PASSWORD },
  support: { email: `sam.ship.${stamp}@dyofficial.co.uk`, name: 'Sam Support', role: 'support' as const, password: PASSWORD },
  warehouse: { email: `wes.ship.${stamp}@dyofficial.co.uk`, name: 'Wes Warehouse', role: 'warehouse' as const, password: PASSWORD },
};
const cookies: Record<string, string> = {};
const bearer = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

// June 2021 is British Summer Time (UTC+1): a London day starts at 23:00 UTC the day before.
const JUNE = 'from=2021-06-01&to=2021-06-30';
const o: Record<string, FixtureOrder> = {};

beforeAll(async () => {
  sys = await startSystem({ name: 'shipping-dashboard', worker: false, env: { TRACKING_STALE_AFTER: '4d' } });
  for (const p of Object.values(people)) {
    await createStaff(sys.ctx.db, p);
    const res = await sys.http.post('/api/staff/login', { email: p.email, password: p.password });
    cookies[p.role] = /^(dy_staff=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] as string;
  }
  const db = sys.ctx.db;

  // DPD to the UK. Delivery hours 24, 61.5, 48, 36, 29; on time 3 of 5.
  o.d1 = await insertOrder(db, { zone: 'UK', promised: '2021-06-05', costPence: 700 });
  await insertShipment(db, o.d1, { n: 1, carrier: 'dpd', status: 'DELIVERED', booked: '2021-06-02T09:00:00Z', delivered: '2021-06-03T09:00:00Z' });
  await insertShipment(db, o.d1, { n: 1, kind: 'return', carrier: 'dhl', status: 'DELIVERED', booked: '2021-06-10T09:00:00Z', delivered: '2021-06-11T09:00:00Z' });
  // Delivered 23:30 UTC on the 10th is 00:30 on the 11th in London: a day late.
  o.d2 = await insertOrder(db, { zone: 'UK', promised: '2021-06-10', costPence: 700 });
  await insertShipment(db, o.d2, { n: 1, carrier: 'dpd', status: 'DELIVERED', booked: '2021-06-08T10:00:00Z', delivered: '2021-06-10T23:30:00Z' });
  // Two parcels share 1001p: 501 + 500.
  o.d3 = await insertOrder(db, { zone: 'UK', promised: '2021-06-20', costPence: 1001 });
  await insertShipment(db, o.d3, { n: 1, carrier: 'dpd', status: 'DELIVERED', booked: '2021-06-15T08:00:00Z', delivered: '2021-06-17T08:00:00Z' });
  await insertShipment(db, o.d3, { n: 2, carrier: 'dpd', status: 'DELIVERED', booked: '2021-06-15T08:00:00Z', delivered: '2021-06-16T20:00:00Z' });
  o.d4 = await insertOrder(db, { zone: 'UK', promised: '2021-06-28', costPence: 650 });
  await insertShipment(db, o.d4, { n: 1, carrier: 'dpd', status: 'IN_TRANSIT', booked: '2021-06-24T12:00:00Z' });
  // A replaced parcel costs nothing more: the order's 800p goes to the reship, delivered after the promise.
  o.d5 = await insertOrder(db, { zone: 'UK', promised: '2021-06-13', costPence: 800 });
  await insertShipment(db, o.d5, { n: 1, carrier: 'dpd', status: 'REPLACED', booked: '2021-06-12T09:00:00Z', exception: 'DELIVERY_EXCEPTION', detail: 'damaged in transit' });
  await insertShipment(db, o.d5, { n: 2, carrier: 'dpd', status: 'DELIVERED', booked: '2021-06-14T09:00:00Z', delivered: '2021-06-15T14:00:00Z', replaces: 1 });
  // Outside the range by London time, though inside it by UTC date (the 31st) or the other way round.
  o.d9 = await insertOrder(db, { zone: 'UK', promised: '2021-06-03', costPence: 9999 });
  await insertShipment(db, o.d9, { n: 1, carrier: 'dpd', status: 'DELIVERED', booked: '2021-05-31T22:30:00Z', delivered: '2021-06-01T10:00:00Z' });
  o.d10 = await insertOrder(db, { zone: 'UK', promised: '2021-07-03', costPence: 9999 });
  await insertShipment(db, o.d10, { n: 1, carrier: 'dpd', status: 'DELIVERED', booked: '2021-06-30T23:30:00Z', delivered: '2021-07-01T10:00:00Z' });

  // DHL to the EU and the rest of the world. Delivery hours 120, 190, 192, 48; on time 2 of 3.
  o.h6 = await insertOrder(db, { zone: 'EU', promised: '2021-06-09', costPence: 1999, carrier: 'dhl' });
  await insertShipment(db, o.h6, { n: 1, carrier: 'dhl', status: 'DELIVERED', booked: '2021-06-03T12:00:00Z', delivered: '2021-06-08T12:00:00Z' });
  o.h7 = await insertOrder(db, { zone: 'ROW', promised: '2021-06-12', costPence: 2500, carrier: 'dhl' });
  await insertShipment(db, o.h7, { n: 1, carrier: 'dhl', status: 'DELIVERED', booked: '2021-06-05T00:00:00Z', delivered: '2021-06-12T22:00:00Z' });
  await insertShipment(db, o.h7, { n: 2, carrier: 'dhl', status: 'DELIVERED', booked: '2021-06-05T00:00:00Z', delivered: '2021-06-13T00:00:00Z' });
  await insertShipment(db, o.h7, { n: 3, carrier: 'dhl', status: 'CANCELLED', booked: '2021-06-05T00:00:00Z' });
  // An order from before promises and carrier costs: in the delivery times, not in the rate or the costs.
  o.h8 = await insertOrder(db, { zone: 'EU', promised: null, costPence: null });
  await insertShipment(db, o.h8, { n: 1, carrier: 'dhl', status: 'DELIVERED', booked: '2021-06-20T00:00:00Z', delivered: '2021-06-22T00:00:00Z' });

  // Not booked yet: in the search, nowhere in the analytics.
  o.u1 = await insertOrder(db, { zone: 'UK', promised: '2021-06-30', costPence: 500, carrier: 'ups' });
  await insertShipment(db, o.u1, { n: 1, carrier: 'ups', status: 'PENDING', created: '2021-06-26T10:00:00Z' });
});

afterAll(async () => {
  await sys?.stop();
});

const get = (path: string, who: keyof typeof people | 'bearer' = 'admin') => sys.http.get(path, who === 'bearer' ? bearer() : { Cookie: cookies[who] });
const fieldsOf = (body: any) => body.error.fields.map((f: { field: string }) => f.field).sort();

test('analytics: on-time per-mille, median and p90 hours per carrier, over London days of booking', async () => {
  const res = await get(`/api/admin/shipping/analytics?${JUNE}`);
  expect(res.status).toBe(200);
  expect(res.body.from).toBe('2021-06-01');
  expect(res.body.to).toBe('2021-06-30');
  expect(res.body.carriers).toEqual([
    // booked: d1, d2, d3×2, d4, d5×2 (not d9, d10); percentile_cont over 24, 29, 36, 48, 61.5 → p90 = 48 + 0.6 × 13.5
    { carrier: 'dhl', booked: 5, delivered: 4, withPromise: 3, onTime: 2, onTimePerMille: 667, medianHours: 155, p90Hours: 191.4 },
    { carrier: 'dpd', booked: 7, delivered: 5, withPromise: 5, onTime: 3, onTimePerMille: 600, medianHours: 36, p90Hours: 56.1 },
  ]);
});

test('analytics: cost per parcel by carrier and zone, the order cost shared between its live parcels in whole pence', async () => {
  const res = await get(`/api/admin/shipping/analytics?${JUNE}`, 'bearer');
  expect(res.status).toBe(200);
  expect(res.body.costs).toEqual([
    { carrier: 'dhl', zone: 'EU', parcels: 1, totalCostPence: 1999, costPerParcelPence: 1999 },
    { carrier: 'dhl', zone: 'ROW', parcels: 2, totalCostPence: 2500, costPerParcelPence: 1250 },
    // 700 + 700 + (501 + 500) + 650 + 800 over 6 parcels = 641.83 → 642
    { carrier: 'dpd', zone: 'UK', parcels: 6, totalCostPence: 3851, costPerParcelPence: 642 },
  ]);
  for (const c of res.body.costs) expect(Number.isInteger(c.totalCostPence) && Number.isInteger(c.costPerParcelPence)).toBe(true);
});

test('analytics: one day at each edge, and the last 30 London days by default', async () => {
  const edge = await get('/api/admin/shipping/analytics?from=2021-06-01&to=2021-06-01');
  // d9 booked 23:30 on 31 May in London: not on 1 June although its UTC date is the 31st only by an hour.
  expect(edge.body.carriers).toEqual([]);
  const july = await get('/api/admin/shipping/analytics?from=2021-07-01&to=2021-07-01');
  expect(july.body.carriers.map((c: any) => [c.carrier, c.booked, c.onTimePerMille])).toEqual([['dpd', 1, 1000]]);
  expect(july.body.costs).toEqual([{ carrier: 'dpd', zone: 'UK', parcels: 1, totalCostPence: 9999, costPerParcelPence: 9999 }]);

  const byDefault = await get('/api/admin/shipping/analytics');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
  expect(byDefault.body.to).toBe(today);
  expect((Date.parse(byDefault.body.to) - Date.parse(byDefault.body.from)) / 86_400_000).toBe(29);
  // The 2021 fixtures are outside it; other tests' parcels of today may be inside, so compare with the explicit range.
  const explicit = await get(`/api/admin/shipping/analytics?from=${byDefault.body.from}&to=${today}`);
  expect(byDefault.body).toEqual(explicit.body);
  expect(byDefault.body.costs.some((c: any) => c.totalCostPence === 9999)).toBe(false);
  const fromOnly = await get('/api/admin/shipping/analytics?from=2021-06-01');
  expect([fromOnly.body.from, fromOnly.body.to]).toEqual(['2021-06-01', '2021-06-30']);
  const toOnly = await get('/api/admin/shipping/analytics?to=2021-06-30');
  expect([toOnly.body.from, toOnly.body.to]).toEqual(['2021-06-01', '2021-06-30']);
  expect(toOnly.body.carriers).toEqual(fromOnly.body.carriers);
});

test('shipments: search by order number, tracking number, carrier, status, kind and London dates, with order links and labels', async () => {
  const part = o.d3.orderNumber.slice(-6).toLowerCase();
  const byOrder = await get(`/api/admin/shipping/shipments?orderId=${part}`);
  expect(byOrder.status).toBe(200);
  expect(byOrder.body.total).toBe(2);
  expect(byOrder.body.shipments.map((s: any) => s.shipmentNo).sort()).toEqual([1, 2]);
  expect(byOrder.body.shipments[0]).toMatchObject({
    orderId: o.d3.orderNumber,
    kind: 'outbound',
    carrier: 'dpd',
    status: 'DELIVERED',
    email: o.d3.email,
    zone: 'UK',
    promisedDeliveryDate: '2021-06-20',
    orderUrl: `/admin/orders/${o.d3.orderNumber}`,
    labelUrl: expect.stringMatching(new RegExp(`^/api/admin/orders/${o.d3.orderNumber}/shipments/[12]/label\\.pdf$`)),
  });

  const tracking = `TRK${o.h7.orderNumber.slice(-5)}P2`;
  const byTracking = await get(`/api/admin/shipping/shipments?trackingNumber=${tracking.slice(2).toLowerCase()}`);
  expect(byTracking.body.shipments.map((s: any) => [s.orderId, s.shipmentNo, s.trackingNumber])).toEqual([[o.h7.orderNumber, 2, tracking]]);

  const returns = await get(`/api/admin/shipping/shipments?kind=return&carrier=dhl&${JUNE}`);
  expect(returns.body.shipments.map((s: any) => [s.orderId, s.kind, s.labelUrl])).toEqual([[o.d1.orderNumber, 'return', `/api/admin/orders/${o.d1.orderNumber}/returns/1/label.pdf`]]);

  const pending = await get(`/api/admin/shipping/shipments?carrier=ups&status=PENDING&${JUNE}`);
  expect(pending.body.shipments.map((s: any) => [s.orderId, s.trackingNumber, s.labelUrl])).toEqual([[o.u1.orderNumber, null, null]]);

  // A replaced parcel's label is void: no link.
  const replaced = await get(`/api/admin/shipping/shipments?orderId=${o.d5.orderNumber}&status=REPLACED`);
  expect(replaced.body.shipments.map((s: any) => [s.shipmentNo, s.labelUrl])).toEqual([[1, null]]);

  // Created 23:30 UTC on 30 June is 1 July in London.
  const lastDay = await get('/api/admin/shipping/shipments?from=2021-06-30&to=2021-06-30');
  expect(lastDay.body.shipments.map((s: any) => s.orderId)).toEqual([]);
  const firstOfJuly = await get('/api/admin/shipping/shipments?from=2021-07-01&to=2021-07-01&status=DELIVERED&carrier=dpd');
  expect(firstOfJuly.body.shipments.map((s: any) => s.orderId)).toEqual([o.d10.orderNumber]);

  const byEmail = await get(`/api/admin/shipping/shipments?email=${encodeURIComponent(o.h6.email.toUpperCase())}`);
  expect(byEmail.body.shipments.map((s: any) => s.orderId)).toEqual([o.h6.orderNumber]);
});

test('shipments: newest first, a page at a time, with the total', async () => {
  const all = await get(`/api/admin/shipping/shipments?carrier=dpd&kind=outbound&${JUNE}&limit=100`);
  // d1, d2, d3×2, d4, d5×2; not d9 (created 22:30 UTC on 31 May, still 31 May in London) nor d10 (1 July in London)
  expect(all.body.total).toBe(7);
  const created = all.body.shipments.map((s: any) => s.createdAt);
  expect(created).toEqual([...created].sort().reverse());
  const first = await get(`/api/admin/shipping/shipments?carrier=dpd&kind=outbound&${JUNE}&limit=3&offset=0`);
  const second = await get(`/api/admin/shipping/shipments?carrier=dpd&kind=outbound&${JUNE}&limit=3&offset=3`);
  const third = await get(`/api/admin/shipping/shipments?carrier=dpd&kind=outbound&${JUNE}&limit=3&offset=6`);
  expect([first.body.total, second.body.total, third.body.total]).toEqual([7, 7, 7]);
  expect([first, second, third].flatMap((r) => r.body.shipments.map((s: any) => `${s.orderId}/${s.shipmentNo}`))).toEqual(all.body.shipments.map((s: any) => `${s.orderId}/${s.shipmentNo}`));
  expect(third.body).toMatchObject({ limit: 3, offset: 6 });
});

test('issues: parcels in exception, orders waiting on a parcel decision, parcels gone quiet past half of TRACKING_STALE_AFTER', async () => {
  const db = sys.ctx.db;
  const failed = await insertOrder(db, { status: 'NEEDS_ATTENTION', attentionReason: 'DELIVERY_EXCEPTION', promised: '2021-06-30', costPence: 500 });
  await insertShipment(db, failed, { n: 1, carrier: 'ups', status: 'FAILURE', booked: hoursAgo(120), lastEvent: hoursAgo(100), exception: 'DELIVERY_EXCEPTION', detail: 'address not found' });
  const rejected = await insertOrder(db, { status: 'NEEDS_ATTENTION', attentionReason: 'CARRIER_REJECTED', costPence: 500 });
  const disputed = await insertOrder(db, { status: 'NEEDS_ATTENTION', attentionReason: 'DISPUTE', costPence: 500 });
  const quiet = await insertOrder(db, { status: 'SHIPPED', costPence: 500 });
  await insertShipment(db, quiet, { n: 1, carrier: 'royal-mail', status: 'IN_TRANSIT', booked: hoursAgo(80), lastEvent: hoursAgo(50) });
  await insertShipment(db, quiet, { n: 2, carrier: 'royal-mail', status: 'IN_TRANSIT', booked: hoursAgo(80), lastEvent: hoursAgo(30) });
  await insertShipment(db, quiet, { n: 3, carrier: 'royal-mail', status: 'LABEL_PURCHASED', booked: hoursAgo(60), lastEvent: null });
  await insertShipment(db, quiet, { n: 4, carrier: 'royal-mail', status: 'DELIVERED', booked: hoursAgo(200), delivered: hoursAgo(150) });

  const res = await get('/api/admin/shipping/issues', 'support');
  expect(res.status).toBe(200);
  expect(res.body.staleAfterSeconds).toBe(2 * 86_400);
  // Other tests of the run have parcels in trouble too: only this file's orders are counted.
  const ours = new Set<string>([...Object.values(o).map((x: any) => x.orderNumber as string), failed.orderNumber, rejected.orderNumber, disputed.orderNumber, quiet.orderNumber]);
  expect(res.body.exceptions.filter((s: any) => ours.has(s.orderId)).map((s: any) => [s.orderId, s.shipmentNo, s.status, s.exceptionReason, s.exceptionDetail, s.orderUrl])).toEqual([
    [failed.orderNumber, 1, 'FAILURE', 'DELIVERY_EXCEPTION', 'address not found', `/admin/orders/${failed.orderNumber}`],
  ]); // d5's first parcel was replaced: handled, not listed
  expect(res.body.attention.map((a: any) => [a.orderId, a.attentionReason, a.parcelsInException])).toEqual(
    expect.arrayContaining([
      [failed.orderNumber, 'DELIVERY_EXCEPTION', 1],
      [rejected.orderNumber, 'CARRIER_REJECTED', 0],
    ]),
  );
  expect(res.body.attention.map((a: any) => a.orderId)).not.toContain(disputed.orderNumber);
  // Quietest first; no news yet counts from the booking; the parcel in exception is listed above instead.
  const quietOnes = (body: any) => body.stale.filter((s: any) => s.orderId === quiet.orderNumber);
  expect(quietOnes(res.body).map((s: any) => [s.shipmentNo, s.silentHours])).toEqual([
    [3, 60],
    [1, 50],
  ]);
  // d4, in transit since June 2021 without news, is the quietest of all.
  expect(res.body.stale[0]).toMatchObject({ orderId: o.d4.orderNumber, shipmentNo: 1, status: 'IN_TRANSIT' });
  expect(res.body.stale.map((s: any) => s.orderId)).not.toContain(failed.orderNumber);

  const tighter = await get('/api/admin/shipping/issues?staleHours=24', 'warehouse');
  expect(tighter.body.staleAfterSeconds).toBe(86_400);
  expect(quietOnes(tighter.body).map((s: any) => s.shipmentNo)).toEqual([3, 1, 2]);
});

test('bad filters are 400s naming each field', async () => {
  const cases: Array<[string, string[]]> = [
    ['/api/admin/shipping/shipments?carrier=pigeon', ['carrier']],
    ['/api/admin/shipping/shipments?status=LOST&kind=sideways', ['kind', 'status']],
    ['/api/admin/shipping/shipments?from=2021-02-30', ['from']],
    ['/api/admin/shipping/shipments?from=2021-06-10&to=2021-06-09', ['to']],
    ['/api/admin/shipping/shipments?limit=0&offset=-1', ['limit', 'offset']],
    ['/api/admin/shipping/shipments?orderId=DY-%25&trackingNumber=a%20b', ['orderId', 'trackingNumber']],
    ['/api/admin/shipping/shipments?email=nobody', ['email']],
    ['/api/admin/shipping/shipments?sort=carrier', ['sort']],
    ['/api/admin/shipping/analytics?from=yesterday', ['from']],
    ['/api/admin/shipping/analytics?from=2020-01-01&to=2021-06-30', ['to']],
    ['/api/admin/shipping/issues?staleHours=0', ['staleHours']],
    ['/api/admin/shipping/issues?staleHours=1.5', ['staleHours']],
  ];
  for (const [path, fields] of cases) {
    const res = await get(path);
    expect({ path, status: res.status, code: res.body.error?.code, fields: fieldsOf(res.body) }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED', fields });
  }
});

test('signed out or with a wrong token: 401; every staff role reads the dashboard; the outbound label link is the warehouse’s (403 for support)', async () => {
  for (const path of ['/api/admin/shipping/shipments', '/api/admin/shipping/analytics', '/api/admin/shipping/issues']) {
    const out = await sys.http.get(path);
    expect({ path, status: out.status, code: out.body.error.code }).toEqual({ path, status: 401, code: 'UNAUTHORISED' });
    const wrong = await sys.http.get(path, { Authorization: 'Bearer not-the-token' });
    expect({ path, status: wrong.status }).toEqual({ path, status: 401 });
    // A cookie of a session that ended is no key either.
    expect((await sys.http.get(path, { Cookie: 'dy_staff=' + 'x'.repeat(43) })).status).toBe(401);
    for (const who of ['admin', 'support', 'warehouse', 'bearer'] as const) expect({ path, who, status: (await get(path, who)).status }).toEqual({ path, who, status: 200 });
  }
  const [parcel] = (await get(`/api/admin/shipping/shipments?orderId=${o.d1.orderNumber}&kind=outbound`)).body.shipments;
  const refused = await get(parcel.labelUrl, 'support');
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('ROLE_FORBIDDEN');
  const label = await get(parcel.labelUrl, 'warehouse');
  expect(label.status).toBe(200);
  expect(label.headers.get('content-type')).toBe('application/pdf');
});

test('the page needs a session; chart.js comes from our origin; the paths are in the OpenAPI document', async () => {
  const page = await sys.http.raw('/admin/shipping', { redirect: 'manual' });
  expect(page.status).toBe(303);
  expect(page.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fshipping');
  const signedIn = await get('/admin/shipping', 'support');
  expect(signedIn.status).toBe(200);
  expect(signedIn.body).toMatch(/role="tablist"/);
  expect(signedIn.body).toMatch(/<a href="\/admin\/shipping" data-nav="shipping" aria-current="page">Shipping<\/a>/);

  const chart = await sys.http.get('/vendor/chart.umd.js');
  expect(chart.status).toBe(200);
  expect(chart.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(chart.body).toMatch(/Chart\.js v4/);

  const doc = (await sys.http.get('/api/openapi.json')).body;
  for (const p of ['/api/admin/shipping/shipments', '/api/admin/shipping/analytics', '/api/admin/shipping/issues']) {
    expect(doc.paths[p]?.get?.responses).toEqual(expect.objectContaining({ 200: expect.anything(), 400: expect.anything(), 401: expect.anything() }));
  }
  expect(doc.paths['/api/admin/shipping/shipments'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['orderId', 'trackingNumber', 'carrier', 'status', 'kind', 'from', 'to', 'limit', 'offset']));
});
