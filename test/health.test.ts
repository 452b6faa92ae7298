import { freePort } from '../lib/processes';
import { checkoutBody, createTestSku, type System, startSystem } from './helpers/system';

// The dependencies' details and /metrics are for operators: METRICS_TOKEN (the test stack sets one).
const OPERATOR = { Authorization: `Bearer ${process.env.METRICS_TOKEN}` };

test('health is ok with every dependency up, each with a latency', async () => {
  const sys = await startSystem({ name: 'health' });
  try {
    const { waitFor } = await import('../lib/processes');
    const res = await waitFor('the worker to be seen polling', async () => {
      const r = await sys.http.get('/api/health', OPERATOR);
      return r.status === 200 ? r : undefined;
    });
    expect(res.body).toMatchObject({ status: 'ok', canTakeOrders: true, degraded: [], down: [] });
    for (const dep of ['database', 'redis', 'temporal', 'workers']) {
      expect(res.body.dependencies[dep]).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
    }
  } finally {
    await sys.stop();
  }
});

test('without Redis the store is degraded, not down, and still takes orders', async () => {
  const sys = await startSystem({ name: 'health-noredis', env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
  try {
    const { waitFor } = await import('../lib/processes');
    const res = await waitFor('health with the worker polling', async () => {
      const r = await sys.http.get('/api/health', OPERATOR);
      return r.body.dependencies.workers.status === 'up' ? r : undefined;
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', canTakeOrders: true, degraded: ['redis'] });
    expect(res.body.dependencies.redis.status).toBe('down');
    const sku = await createTestSku(sys.ctx, 3);
    const checkout = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]));
    expect(checkout.status).toBe(201);
  } finally {
    await sys.stop();
  }
});

test('without Temporal health is 503 naming it, and checkout answers 503 having written nothing', async () => {
  const sys = await startSystem({ name: 'health-notemporal', worker: false, env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
  try {
    const res = await sys.http.get('/api/health', OPERATOR);
    expect(res.status).toBe(503);
    expect(res.body.down).toEqual(expect.arrayContaining(['temporal', 'workers']));
    const sku = await createTestSku(sys.ctx, 3);
    const before = Number((await sys.ctx.db('orders').count({ n: '*' }))[0].n);
    const checkout = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]));
    expect(checkout.status).toBe(503);
    expect(checkout.body.error.code).toBe('ORDER_SYSTEM_UNAVAILABLE');
    expect(Number((await sys.ctx.db('orders').count({ n: '*' }))[0].n)).toBe(before);
    expect((await sys.ctx.db('skus').where({ sku }).first()).available).toBe(3);
  } finally {
    await sys.stop();
  }
});

test('with no worker polling, health says so and is 503', async () => {
  const sys = await startSystem({ name: 'health-noworker', worker: false });
  try {
    const res = await sys.http.get('/api/health', OPERATOR);
    expect(res.status).toBe(503);
    expect(res.body.down).toEqual(['workers']);
    expect(res.body.dependencies.workers.error).toMatch(/no worker/);
  } finally {
    await sys.stop();
  }
});
