import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../lib/paths';
import { waitFor } from '../lib/processes';
import { headerOf, listEmails } from './helpers/mailSink';
import { checkoutBody, createTestSku, OPERATOR, pay, type System, startSystem, waitForStatus, waitForWorkflowClosed } from './helpers/system';

const WORKER_ENTRY = path.join(projectRoot, 'dist', 'workers', 'main.js');
let sys: System;

beforeAll(async () => {
  sys = await startSystem({ name: 'notify-crash', worker: false, env: { WAREHOUSE_AUTO_DELAY: '1s' } });
});
afterAll(async () => {
  await sys?.stop();
});

const startWorker = (): ChildProcess =>
  spawn(process.execPath, [WORKER_ENTRY], { env: { ...process.env, TEMPORAL_TASK_QUEUE: sys.taskQueue, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });

async function kill(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null) return;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGKILL');
  await exited;
}

// Its waits add up to four minutes (a killed worker's tasks time out before another takes them): so may the test.
test('a worker killed in the middle of a run of sends: every notification arrives, none twice', async () => {
  let worker = startWorker();
  try {
    await waitFor('the worker to poll', async () => (await sys.http.get('/api/health', OPERATOR)).body.dependencies.workers.status === 'up', { timeoutMs: 60_000 });
    const sku = await createTestSku(sys.ctx, 3);
    const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
    await pay(sys, order);
    // The receipt and its in-app twin are being sent now: the worker dies under them.
    await waitForStatus(sys, order, ['PAID', 'PROCESSING', 'PICKING']);
    await kill(worker);
    worker = startWorker();
    await waitForStatus(sys, order, 'DELIVERED', 120_000);
    await waitForWorkflowClosed(sys, order.orderId, 60_000);

    const rows = await sys.ctx.db('notifications').where({ order_number: order.orderId });
    expect(rows.filter((r) => r.channel === 'email').map((r) => r.template).sort()).toEqual(
      ['delivered', 'order_confirmation', 'order_processing', 'order_shipped', 'out_for_delivery', 'payment_receipt'].sort(),
    );
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const emails = (await listEmails(process.env.TEST_MAILDEV_URL as string)).filter((e) => e.subject.includes(order.orderId));
    const ids = emails.map((e) => headerOf(e, 'message-id'));
    expect(new Set(emails.map((e) => e.subject)).size).toBe(6);
    expect(new Set(ids).size).toBe(6);
    // The one documented window: killed between the SMTP server accepting and our row saying so. Its repeat
    // carries the same Message-ID, so a mailbox recognises it; anything more would be a bug.
    if (emails.length > 6) console.warn(`crash window hit: ${emails.length - 6} repeat(s) with the same Message-ID`);
    expect(emails.length - 6).toBeLessThanOrEqual(1);
    const inApp = await sys.ctx.db('in_app_notifications').where({ order_number: order.orderId });
    expect(inApp).toHaveLength(6);
  } finally {
    await kill(worker);
  }
}, 240_000);
