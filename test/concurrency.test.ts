import { availableOf, checkoutBody, createTestSku, type System, startSystem } from './helpers/system';

let sys: System;
beforeAll(async () => {
  sys = await startSystem({ name: 'concurrency' });
});
afterAll(async () => {
  await sys?.stop();
});

test('50 parallel checkouts for a size with 10 in stock reserve exactly 10', async () => {
  const sku = await createTestSku(sys.ctx, 10);
  const results = await Promise.all(Array.from({ length: 50 }, () => sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))));
  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(10);
  expect(statuses.filter((s) => s === 409)).toHaveLength(40);
  for (const r of results.filter((x) => x.status === 409)) {
    expect(r.body.error).toMatchObject({ code: 'OUT_OF_STOCK', shortLines: [{ sku, requested: 1, available: 0 }] });
  }
  expect(await availableOf(sys.ctx, sku)).toBe(0);
  const [{ sum }] = await sys.ctx.db('stock_ledger').where({ sku }).sum({ sum: 'quantity' });
  expect(Number(sum)).toBe(-10);
  const outOfStock = await sys.ctx.db('orders').where({ status: 'OUT_OF_STOCK' }).whereIn('order_number', results.filter((r) => r.status === 409).map((r) => r.body.error.orderId));
  expect(outOfStock).toHaveLength(40);
});

test('two SKUs taken in opposite orders by concurrent checkouts neither deadlock nor oversell', async () => {
  const a = await createTestSku(sys.ctx, 6);
  const b = await createTestSku(sys.ctx, 6);
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      sys.http.post('/api/checkout', checkoutBody(i % 2 ? [{ sku: a, quantity: 1 }, { sku: b, quantity: 1 }] : [{ sku: b, quantity: 1 }, { sku: a, quantity: 1 }])),
    ),
  );
  expect(results.filter((r) => r.status === 201)).toHaveLength(6);
  expect(await availableOf(sys.ctx, a)).toBe(0);
  expect(await availableOf(sys.ctx, b)).toBe(0);
});
