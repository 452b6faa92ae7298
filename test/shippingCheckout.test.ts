import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { recordOrder } from '../activities/orders/recordOrder';
import { planOrderShipment, recordCarrierOverride } from '../activities/orders/orderShipping';
import { rateTableFor } from '../domain/shipping/rates/loadRateTable';
import { orderParcels } from '../domain/shipping/rates/orderParcels';
import { packingLimits } from '../domain/shipping/rates/planParcels';
import { promisedDate } from '../domain/shipping/rates/workingDays';
import { CATALOGUE, seedCatalogue, skuOf } from '../db/seeds/catalogue';
import { vatIncluded } from '../lib/money';
import type { OrderInput } from '../workflows/orders/definitions';
import { address, checkoutBody, createTestSku, type System, startSystem } from './helpers/system';

let sys: System;
beforeAll(async () => {
  sys = await startSystem({ name: 'shipping' });
});
afterAll(async () => {
  await sys?.stop();
});

const TEE = skuOf('dy-heavyweight-tee-black', 'M');
const HOODIE = skuOf('dy-essential-hoodie-grey', 'L');
const table = rateTableFor({});
const rules = { ...table.dispatch, bankHolidays: table.bankHolidays };

/** A SKU of its own with a given packed weight, so stock and weight are this test's alone. */
async function weighedSku(available: number, pricePence: number, weightGrams: number): Promise<string> {
  const sku = await createTestSku(sys.ctx, available, pricePence);
  const product = (await sys.ctx.db('skus').where({ sku }).first('product_id')).product_id;
  await sys.ctx.db('products').where({ id: product }).update({ weight_grams: weightGrams, length_mm: 350, width_mm: 300, height_mm: 80 });
  return sku;
}

async function count(table: string): Promise<number> {
  return Number((await sys.ctx.db(table).count({ n: '*' }))[0].n);
}

const orderInput = (overrides: Partial<OrderInput>): OrderInput => ({
  orderNumber: `DY-TEST-${randomBytes(4).toString('hex')}`,
  customer: { email: 'alex@example.com', name: 'Alex Morgan' },
  items: [{ sku: TEE, quantity: 1 }],
  shippingAddress: address(),
  timings: { paymentWindow: '20s', returnWindow: '2s', warehouseMode: 'manual', warehouseAutoDelay: '1s', carrierPollInterval: '1s', activityRetryMaxInterval: '2s' },
  ...overrides,
});

describe('the catalogue seed', () => {
  test('every product has a measured weight; placeholders from the migration are filled, stock and edits kept', async () => {
    const tee = await sys.ctx.db('products').where({ id: 'dy-heavyweight-tee-black' }).first();
    expect(tee).toMatchObject({ weight_grams: 300 });
    expect((await sys.ctx.db('products').where({ id: 'dy-puffer-jacket-black' }).first()).weight_grams).toBe(1200);

    const stockBefore = (await sys.ctx.db('skus').where({ sku: TEE }).first()).available;
    await sys.ctx.db('products').where({ id: 'dy-heavyweight-tee-black' }).update({ weight_grams: 400, length_mm: 300, width_mm: 250, height_mm: 40 });
    await sys.ctx.db('products').where({ id: 'dy-beanie-black' }).update({ weight_grams: 135 });
    try {
      await seedCatalogue(sys.ctx.db);
      expect(await sys.ctx.db('products').where({ id: 'dy-heavyweight-tee-black' }).first()).toMatchObject({ weight_grams: 300, length_mm: 300, width_mm: 250, height_mm: 30 });
      expect((await sys.ctx.db('products').where({ id: 'dy-beanie-black' }).first()).weight_grams).toBe(135);
      expect((await sys.ctx.db('skus').where({ sku: TEE }).first()).available).toBe(stockBefore);
    } finally {
      const beanie = CATALOGUE.find((p) => p.id === 'dy-beanie-black');
      await sys.ctx.db('products').where({ id: 'dy-beanie-black' }).update({ weight_grams: beanie?.packed.weightGrams });
    }
  });
});

describe('POST /api/shipping/quotes', () => {
  test('answers each level with price and promised date; next day only to the UK', async () => {
    const before = new Date();
    const uk = await sys.http.post('/api/shipping/quotes', { items: [{ sku: TEE, quantity: 2 }, { sku: HOODIE, quantity: 1 }], country: 'gb' });
    const after = new Date();
    expect(uk.status).toBe(200);
    expect(uk.body).toMatchObject({ country: 'GB', zone: 'UK', currency: 'GBP', parcels: [{ weightGrams: 1350 }], unavailable: [] });
    expect(uk.body.options.map((o: any) => [o.level, o.pricePence, o.carrier])).toEqual([
      ['standard', 419, 'royal-mail'],
      ['express', 519, 'royal-mail'],
      ['next_day', 695, 'dpd'],
    ]);
    const expectedNextDay = [promisedDate(before, 1, rules), promisedDate(after, 1, rules)];
    expect(expectedNextDay).toContain(uk.body.options[2].promisedDate);
    // Our cost and the ranking of carriers stay inside.
    expect(uk.body.options[0]).not.toHaveProperty('reason');
    expect(uk.body.options[0]).not.toHaveProperty('costPence');

    const fr = await sys.http.post('/api/shipping/quotes', { items: [{ sku: TEE, quantity: 1 }], shippingAddress: { ...address(), country: 'FR' } });
    expect(fr.status).toBe(200);
    expect(fr.body.zone).toBe('EU');
    expect(fr.body.options.map((o: any) => o.level)).toEqual(['standard', 'express']);
    expect(fr.body.unavailable).toEqual([{ level: 'next_day', reason: expect.stringContaining('UK addresses only') }]);
  });

  test.each<[string, unknown, string[]]>([
    ['no country', { items: [{ sku: TEE, quantity: 1 }] }, ['country']],
    ['a country name instead of a code', { items: [{ sku: TEE, quantity: 1 }], country: 'France' }, ['country']],
    ['no items', { country: 'GB', items: [] }, ['items']],
    ['an unknown SKU', { country: 'GB', items: [{ sku: TEE, quantity: 1 }, { sku: 'NO-SUCH-SKU', quantity: 1 }] }, ['items.1.sku']],
    ['a price sent along', { country: 'GB', items: [{ sku: TEE, quantity: 1 }], pricePence: 1 }, ['pricePence']],
  ])('refuses %s with 400 naming the field', async (_name, body, fields) => {
    const res = await sys.http.post('/api/shipping/quotes', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(fields));
  });

  test('an item too heavy for every carrier is a 422 naming the line', async () => {
    const anvil = await weighedSku(5, 5000, 80_000);
    const res = await sys.http.post('/api/shipping/quotes', { country: 'GB', items: [{ sku: TEE, quantity: 1 }, { sku: anvil, quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'CANNOT_SHIP', fields: [{ field: 'items.1' }] });
  });

  test('is in the OpenAPI document', async () => {
    const doc = await sys.http.get('/api/openapi.json');
    expect(doc.body.paths['/api/shipping/quotes'].post.responses).toHaveProperty('200');
    expect(doc.body.components.schemas.CheckoutRequest.properties.shippingOption).toBeDefined();
  });
});

describe('checkout with a shipping option', () => {
  test("express: the total is the subtotal plus the quoted express price, and the order records cost, carrier and reason", async () => {
    const sku = await weighedSku(5, 4500, 750);
    const items = [{ sku, quantity: 2 }];
    const before = new Date();
    const quote = await sys.http.post('/api/shipping/quotes', { items, country: 'GB' });
    const express = quote.body.options.find((o: any) => o.level === 'express');
    expect(express).toMatchObject({ pricePence: 519, carrier: 'royal-mail', service: 'tracked-24' }); // 1.5 kg: the 2 kg band

    const res = await sys.http.post('/api/checkout', checkoutBody(items, { shippingOption: 'express' }));
    const after = new Date();
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    expect(res.body.totalPence).toBe(9000 + express.pricePence);
    expect(res.body.vatPence).toBe(vatIncluded(9000, 2000) + vatIncluded(express.pricePence, 2000));
    expect(res.body.shipping).toEqual({ option: 'express', pricePence: express.pricePence, promisedDeliveryDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect([promisedDate(before, 2, rules), promisedDate(after, 2, rules)]).toContain(res.body.shipping.promisedDeliveryDate);

    const row = await sys.ctx.db('orders').where({ order_number: res.body.orderId }).first();
    expect(row).toMatchObject({ subtotal_pence: 9000, shipping_pence: express.pricePence, total_pence: 9000 + express.pricePence, shipping_option: 'express', shipping_zone: 'UK' });
    expect(row.carrier_choice).toEqual({ carrier: 'royal-mail', service: 'tracked-24', costPence: 519, reason: expect.stringMatching(/^cheapest of \d+ meeting the express promise to UK/) });
    const payment = await sys.ctx.db('payments').where({ order_number: res.body.orderId }).first();
    expect(payment.amount_pence).toBe(9000 + express.pricePence);

    const view = await sys.http.get(`/api/orders/${res.body.orderId}?token=${res.body.trackingToken}`);
    expect(view.body).toMatchObject({ shippingOption: 'express', promisedDeliveryDate: res.body.shipping.promisedDeliveryDate, totals: { shippingPence: express.pricePence } });
  });

  test('without shippingOption the cheapest standard is charged; the same Idempotency-Key with "standard" spelled out is the same order', async () => {
    const sku = await weighedSku(5, 2500, 300);
    const body = checkoutBody([{ sku, quantity: 1 }]);
    const key = `shipping-${randomBytes(6).toString('hex')}`;
    const first = await sys.http.post('/api/checkout', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ totalPence: 2500 + 339, shipping: { option: 'standard', pricePence: 339 } });
    const again = await sys.http.post('/api/checkout', { ...body, shippingOption: 'standard' }, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.body.orderId).toBe(first.body.orderId);
  });

  test('a level not offered to the destination is a 400 naming shippingOption, and nothing is written', async () => {
    const sku = await weighedSku(5, 2500, 300);
    const before = { orders: await count('orders'), requests: await count('checkout_requests'), available: (await sys.ctx.db('skus').where({ sku }).first()).available };
    const res = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { shippingOption: 'next_day', shippingAddress: { ...address(), country: 'FR' } }), { 'Idempotency-Key': `nd-${randomBytes(4).toString('hex')}` });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual([{ field: 'shippingOption', message: expect.stringMatching(/^next_day is not available: next-day delivery is offered to UK addresses only, not EU; choose standard or express$/) }]);
    const bad = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }], { shippingOption: 'overnight' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field)).toEqual(['shippingOption']);
    expect({ orders: await count('orders'), requests: await count('checkout_requests'), available: (await sys.ctx.db('skus').where({ sku }).first()).available }).toEqual(before);
  });
});

describe('the order activities', () => {
  test('recordOrder refuses a level the zone is not offered as a non-retryable InvalidOrder, and writes nothing', async () => {
    const input = orderInput({ shippingOption: 'next_day', shippingAddress: { ...address(), country: 'US' } });
    const err = await recordOrder(sys.ctx.db, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidOrder', nonRetryable: true, message: expect.stringContaining('shippingOption next_day: next-day delivery is offered to UK addresses only') });
    expect(await sys.ctx.db('orders').where({ order_number: input.orderNumber }).first()).toBeUndefined();
  });

  test('an order from before shipping was charged stays free, and a retry returns what was recorded', async () => {
    const input = orderInput({});
    const first = await recordOrder(sys.ctx.db, input);
    expect(first.totals).toMatchObject({ subtotalPence: 3500, shippingPence: 0, totalPence: 3500 });
    expect(first.shipping).toBeUndefined();
    expect(await sys.ctx.db('orders').where({ order_number: input.orderNumber }).first()).toMatchObject({ shipping_option: null, carrier_choice: null, promised_delivery_date: null });
    expect(await recordOrder(sys.ctx.db, input)).toEqual(first);
  });

  test('planOrderShipment keeps the checkout carrier; an override reprices, records who and why, and is the same when repeated', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const input = orderInput({ shippingOption: 'express', items: [{ sku: TEE, quantity: 2 }, { sku: HOODIE, quantity: 1 }] });
    const recorded = await recordOrder(sys.ctx.db, input, { now });
    expect(recorded.shipping).toMatchObject({ option: 'express', zone: 'UK', promisedDeliveryDate: '2026-11-25', pricePence: 519, choice: { carrier: 'royal-mail', service: 'tracked-24', costPence: 519 } });
    expect(await recordOrder(sys.ctx.db, input)).toEqual(recorded);

    const plan = await planOrderShipment(sys.ctx.db, input.orderNumber, { now });
    expect(plan).toMatchObject({ level: 'express', zone: 'UK', choice: recorded.shipping?.choice });
    expect(plan.parcels.map((p) => ({ lines: p.lines, weightGrams: p.weightGrams }))).toEqual([
      { lines: [{ lineNo: 1, sku: TEE, quantity: 2 }, { lineNo: 2, sku: HOODIE, quantity: 1 }], weightGrams: 1350 },
    ]);
    expect((await orderParcels(sys.ctx.db, input.orderNumber, packingLimits(table, 'UK'))).map((p) => p.weightGrams)).toEqual([1350]);

    const override = { orderNumber: input.orderNumber, carrier: 'dpd', actor: 'admin:kim', note: 'customer asked for DPD' };
    const choice = await recordCarrierOverride(sys.ctx.db, override, { now });
    expect(choice).toMatchObject({ carrier: 'dpd', service: 'next-day', costPence: 695, overriddenBy: 'admin:kim' });
    expect(choice.reason).toMatch(/^overridden by admin:kim \("customer asked for DPD"\): dpd next-day chosen by hand for express to UK: £6\.95; automatic choice was royal-mail tracked-24 £5\.19$/);
    expect((await sys.ctx.db('orders').where({ order_number: input.orderNumber }).first()).carrier_choice).toEqual(choice);
    expect(await recordCarrierOverride(sys.ctx.db, override, { now })).toEqual(choice);
    expect((await planOrderShipment(sys.ctx.db, input.orderNumber, { now })).choice).toEqual(choice);
    // The customer's price does not move with our cost.
    expect((await sys.ctx.db('orders').where({ order_number: input.orderNumber }).first()).shipping_pence).toBe(519);
  });

  test('an override the carrier cannot serve is refused without retries and changes nothing', async () => {
    const input = orderInput({ shippingOption: 'express', shippingAddress: { ...address(), country: 'DE' } });
    await recordOrder(sys.ctx.db, input);
    const before = (await sys.ctx.db('orders').where({ order_number: input.orderNumber }).first()).carrier_choice;
    for (const carrier of ['dpd', 'hermes']) {
      const err = await recordCarrierOverride(sys.ctx.db, { orderNumber: input.orderNumber, carrier, actor: 'admin:kim' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ type: 'CarrierRefused', nonRetryable: true });
    }
    expect((await sys.ctx.db('orders').where({ order_number: input.orderNumber }).first()).carrier_choice).toEqual(before);
  });

  test('an override to a carrier taking smaller parcels packs the order in more of them', async () => {
    const heavy = await weighedSku(20, 3000, 6000);
    const input = orderInput({ shippingOption: 'standard', items: [{ sku: heavy, quantity: 4 }] });
    const recorded = await recordOrder(sys.ctx.db, input);
    expect(recorded.shipping?.choice.carrier).not.toBe('royal-mail'); // 24 kg in one parcel: over Royal Mail's 20 kg
    const choice = await recordCarrierOverride(sys.ctx.db, { orderNumber: input.orderNumber, carrier: 'royal-mail', actor: 'admin:kim' });
    expect(choice).toMatchObject({ carrier: 'royal-mail', service: 'tracked-48', costPence: 1299 + 849 }); // an 18 kg and a 6 kg parcel
    const plan = await planOrderShipment(sys.ctx.db, input.orderNumber);
    expect(plan.choice).toEqual(choice);
    expect(plan.parcels.map((p) => p.weightGrams)).toEqual([18_000, 6000]);
  });
});
