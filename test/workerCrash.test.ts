import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../lib/paths';
import { freePort, waitFor } from '../lib/processes';
import { availableOf, checkoutBody, createTestSku, OPERATOR, pay, type System, startSystem, waitForStatus } from './helpers/system';

const WORKER_ENTRY = path.join(projectRoot, 'dist', 'workers', 'main.js');
let sys: System;

beforeAll(async () => {
  if (!fs.existsSync(WORKER_ENTRY)) throw new Error(`${WORKER_ENTRY} is missing: run through \`npm test\`, which builds first`);
  // The API only: the worker is a real process this test kills.
  sys = await startSystem({ name: 'crash', worker: false, env: { WAREHOUSE_AUTO_DELAY: '2s' } });
});
afterAll(async () => {
  await sys?.stop();
});

let metricsPort = 0;
function startWorkerProcess(): ChildProcess {
  return spawn(process.execPath, [WORKER_ENTRY], {
    env: { ...process.env, TEMPORAL_TASK_QUEUE: sys.taskQueue, LOG_LEVEL: 'warn', DY_SERVICE: 'worker-under-test', WORKER_METRICS_PORT: String(metricsPort) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function pollersSeen(): Promise<boolean> {
  const res = await sys.http.get('/api/health', OPERATOR);
  return res.body.dependencies.workers.status === 'up';
}

async function kill(worker: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGKILL');
  await exited;
}

// Its waits add up to five minutes (a killed worker's tasks and heartbeats time out before another takes them): so may the test.
test('a worker killed mid-order (twice) is replaced and the order still completes, stock and money exact', async () => {
  metricsPort = await freePort();
  let worker = startWorkerProcess();
  try {
    await waitFor('the worker process to poll', pollersSeen, { timeoutMs: 60_000 });
    const sku = await createTestSku(sys.ctx, 4, 2700);
    const checkout = await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 2 }]));
    expect(checkout.status).toBe(201);
    const order = checkout.body;
    await pay(sys, order);
    await waitForStatus(sys, order, 'PICKING');

    // Killed while the order waits on the warehouse timer.
    await kill(worker);
    worker = startWorkerProcess();
    await waitForStatus(sys, order, 'SHIPPED', 90_000);

    // Killed while its heartbeating activity follows the parcel: the heartbeat timeout hands it on.
    await kill(worker);
    worker = startWorkerProcess();
    const delivered = await waitForStatus(sys, order, 'DELIVERED', 120_000);

    const statuses = delivered.timeline.filter((e: any) => e.type === 'status_changed').map((e: any) => e.toStatus);
    expect(statuses).toEqual(['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED']);
    expect(await availableOf(sys.ctx, sku)).toBe(2);
    expect(await sys.ctx.db('stock_ledger').where({ order_number: order.orderId })).toHaveLength(1);
    expect(await sys.ctx.db('payments').where({ order_number: order.orderId })).toHaveLength(1);

    // The worker's own /metrics: our counters from its activities, and the Temporal SDK's metrics.
    const metrics = await waitFor('worker metrics with the SDK part', async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /\ntemporal_/.test(text) && text.includes('dy_order_status_changes_total{to="DELIVERED"}') ? text : undefined;
    }, { timeoutMs: 30_000 });
    expect(metrics).toMatch(/dy_carrier_calls_total\{carrier="[a-z-]+",operation="track",outcome="ok"\} \d+/);
  } finally {
    await kill(worker).catch(() => undefined);
  }
}, 330_000);
