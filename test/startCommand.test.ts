import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import Stripe from 'stripe';
import { DEV_WEBHOOK_SECRET } from '../lib/config';
import { projectRoot } from '../lib/paths';
import { freePort, portOpen, waitFor } from '../lib/processes';
import { httpClient } from './helpers/system';

/**
 * The README's `npm start`, run as a newcomer would (nothing configured), on free ports, then used by a
 * client that knows only the HTTP contract and the documented dev webhook secret.
 */
const START = path.join(projectRoot, 'dist', 'scripts', 'start.js');
const OUR_TEST_ENV = ['WORKER_METRICS_PORT', 'SMTP_URL', 'TEST_MAILDEV_URL', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'STRIPE_API_URL', 'CARRIER_URL', 'WORKFLOW_BUNDLE_PATH', 'PAYMENT_WINDOW', 'RETURN_WINDOW', 'WAREHOUSE_AUTO_DELAY', 'CARRIER_POLL_INTERVAL', 'ACTIVITY_RETRY_MAX_INTERVAL', 'NODE_ENV', 'TEMPORAL_TASK_QUEUE'];

let child: ChildProcess | undefined;
let output = '';
const ports: Record<string, number> = {};
const dbName = `dy_orders_e2e_${process.pid}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-orders-start-'));

beforeAll(async () => {
  for (const name of ['PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'STRIPE_MOCK_PORT', 'SANDBOX_CARRIER_PORT', 'MAILDEV_SMTP_PORT', 'MAILDEV_WEB_PORT', 'WORKER_METRICS_PORT']) ports[name] = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of OUR_TEST_ENV) delete env[key];
  Object.assign(env, Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), {
    DATA_DIR: dataDir,
    DATABASE_NAME: dbName,
    LOG_LEVEL: 'warn',
    // Fast demo timings; everything else on its defaults.
    WAREHOUSE_AUTO_DELAY: '1s',
    SANDBOX_CARRIER_STEP: '1s',
    CARRIER_POLL_INTERVAL: '500ms',
    RETURN_WINDOW: '5s',
  });
  child = spawn(process.execPath, [START], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  await waitFor('npm start to report it is running', async () => {
    if (child?.exitCode !== null) throw new Error(`start exited early:\n${output}`);
    return output.includes('DY Orders is running');
  }, { timeoutMs: 180_000, intervalMs: 250 });
}, 200_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
  }
  const pg = new PgClient({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await pg.connect();
  await pg.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await pg.end();
});

test('a contract-only client buys, pays and watches the order reach DELIVERED; a failed payment returns the stock', async () => {
  const api = httpClient(`http://127.0.0.1:${ports.PORT}`);
  const health = await waitFor('health 200', async () => {
    const h = await api.get('/api/health');
    return h.status === 200 ? h : undefined;
  }, { timeoutMs: 60_000 });
  expect(health.body.status).toBe('ok');

  const products = (await api.get('/api/products')).body.products;
  const product = products.find((p: any) => p.available >= 3);
  const signAndSend = async (type: string, object: Record<string, unknown>) => {
    const payload = JSON.stringify({ id: `evt_${Date.now()}_${Math.random().toString(36).slice(2)}`, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: DEV_WEBHOOK_SECRET });
    return api.raw('/api/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header }, body: payload });
  };
  const buy = async () => {
    const res = await api.post('/api/checkout', { email: 'newcomer@example.com', name: 'New Comer', items: [{ sku: product.sku, quantity: 1 }], shippingAddress: { line1: '221B Baker Street', city: 'London', postcode: 'NW1 6XE', country: 'GB' } });
    expect(res.status).toBe(201);
    expect(res.body.totalPence).toBe(product.pricePence + res.body.shipping.pricePence);
    return res.body;
  };

  const order = await buy();
  const paid = await signAndSend('payment_intent.succeeded', { id: order.payment.paymentIntentId, object: 'payment_intent', amount: order.totalPence, amount_received: order.totalPence, currency: 'gbp', metadata: { orderId: order.orderId } });
  expect(paid.status).toBe(200);
  const delivered = await waitFor('DELIVERED', async () => {
    const o = await api.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`);
    return o.body.status === 'DELIVERED' ? o.body : undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
  expect(delivered.shipments[0].trackingNumber).toBeTruthy();
  // Dev mail lands in the MailDev sink that npm start runs.
  const mail = httpClient(`http://127.0.0.1:${ports.MAILDEV_WEB_PORT}`);
  await waitFor('the delivery e-mail in the sink', async () => ((await mail.get('/api/email')).body as Array<{ subject: string }>).some((e) => e.subject === `Order ${order.orderId} has been delivered`), { timeoutMs: 30_000 });

  const before = (await api.get('/api/products')).body.products.find((p: any) => p.sku === product.sku).available;
  const unpaid = await buy();
  expect((await api.get('/api/products')).body.products.find((p: any) => p.sku === product.sku).available).toBe(before - 1);
  await signAndSend('payment_intent.payment_failed', { id: unpaid.payment.paymentIntentId, object: 'payment_intent', amount: unpaid.totalPence, amount_received: 0, currency: 'gbp', metadata: { orderId: unpaid.orderId }, last_payment_error: { message: 'Your card was declined.' } });
  await waitFor('the failed order to be cancelled', async () => (await api.get(`/api/orders/${unpaid.orderId}?token=${unpaid.trackingToken}`)).body.status === 'CANCELLED', { timeoutMs: 30_000 });
  expect((await api.get('/api/products')).body.products.find((p: any) => p.sku === product.sku).available).toBe(before);

  // The Temporal Web UI (its own HTTP API) lists the orders and filters them by OrderStatus.
  const ui = httpClient(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
  const listed = await waitFor('the UI to list the delivered order', async () => {
    const query = encodeURIComponent(`OrderStatus="DELIVERED"`);
    const res = await ui.get(`/api/v1/namespaces/default/workflows?query=${query}`);
    const ids = (res.body?.executions ?? []).map((e: any) => e.execution?.workflowId);
    return ids.includes(`order-${order.orderId}`) ? ids : undefined;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  expect(listed).not.toContain(`order-${unpaid.orderId}`);

  expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
}, 240_000);

test('Ctrl-C (SIGTERM) stops every process it started', async () => {
  const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
  child?.kill('SIGTERM');
  expect(await exited).toBe(0);
  for (const [name, port] of Object.entries(ports)) {
    expect([name, await portOpen(port)]).toEqual([name, false]);
  }
}, 60_000);
