import path from 'node:path';
import { freePort, portOpen, startService, waitFor, type Service } from '../lib/processes';
import { startDevServer, type DevServer } from '../temporal-config/devServer';
import { type System, startSystem } from './helpers/system';

// The dependencies' details and /metrics are for operators: METRICS_TOKEN (the test stack sets one).
const OPERATOR = { Authorization: `Bearer ${process.env.METRICS_TOKEN}` };

/**
 * Readiness follows its dependencies down and back up. Each test stops instances of its own (a Redis and a
 * Temporal dev server on free ports), never the machine's shared services.
 */
const ready = async (sys: System) => sys.http.get('/api/health/ready', OPERATOR);

test('liveness answers without asking dependencies', async () => {
  const sys = await startSystem({ name: 'live', worker: false, env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
  try {
    const res = await sys.http.get('/api/health/live');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('alive');
    expect((await ready(sys)).status).toBe(503);
  } finally {
    await sys.stop();
  }
});

test('Redis stopped: ready but degraded; Redis back: ok again', async () => {
  const port = await freePort();
  const startRedis = (): Service => startService('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  let redis = startRedis();
  await waitFor('our redis', () => portOpen(port));
  const sys = await startSystem({ name: 'ready-redis', env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  try {
    await waitFor('ready and ok', async () => (await ready(sys)).body.status === 'ok', { timeoutMs: 30_000 });
    await redis.stop();
    const degraded = await waitFor('degraded', async () => {
      const r = await ready(sys);
      return r.body.status === 'degraded' ? r : undefined;
    }, { timeoutMs: 30_000 });
    expect(degraded.status).toBe(200);
    expect(degraded.body.degraded).toEqual(['redis']);
    redis = startRedis();
    await waitFor('ok again', async () => (await ready(sys)).body.status === 'ok', { timeoutMs: 30_000 });
  } finally {
    await sys.stop();
    await redis.stop();
  }
});

test('Temporal stopped: not ready (503 naming it); Temporal back: ready again', async () => {
  const port = await freePort();
  const dir = process.env.DY_TEST_DIR as string;
  const start = () => startDevServer({ port, namespace: 'default', logFile: path.join(dir, `temporal-ready-${port}.log`) });
  let temporal: DevServer = await start();
  const sys = await startSystem({ name: 'ready-temporal', env: { TEMPORAL_ADDRESS: temporal.address } });
  try {
    await waitFor('ready', async () => (await ready(sys)).status === 200, { timeoutMs: 30_000 });
    await temporal.stop();
    const down = await waitFor('not ready', async () => {
      const r = await ready(sys);
      return r.status === 503 ? r : undefined;
    }, { timeoutMs: 30_000 });
    expect(down.body.down).toEqual(expect.arrayContaining(['temporal']));
    temporal = await start();
    await waitFor('ready again (server and a polling worker)', async () => (await ready(sys)).status === 200, { timeoutMs: 90_000, intervalMs: 500 });
  } finally {
    await sys.stop();
    await temporal.stop();
  }
}, 180_000);
