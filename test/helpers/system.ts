import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import Stripe from 'stripe';
import { createApp } from '../../api/app';
import type { ApiContext } from '../../api/context';
import { createTemporalClient } from '../../api/temporal';
import { createStripe } from '../../lib/stripeClient';
import { createDb } from '../../db/connection';
import { loadConfig } from '../../lib/config';
import { waitFor } from '../../lib/processes';
import { connectRedis } from '../../lib/redis';
import { createOrderWorker } from '../../workers/createWorker';
import { createActivityDeps } from '../../workers/activityDeps';

// The SDK's own logs only when a run asks for them (TEST_LOG_LEVEL=info): expected retries are noise otherwise.
try {
  Runtime.install({ logger: new DefaultLogger((process.env.TEST_SDK_LOG_LEVEL as 'ERROR') ?? 'ERROR') });
} catch {
  // already installed by an earlier test file in this process
}

export interface System {
  url: string;
  ctx: ApiContext;
  taskQueue: string;
  worker?: Worker;
  http: Http;
  stop(): Promise<void>;
}

export interface HttpResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Http {
  get<T = any>(path: string, headers?: Record<string, string>): Promise<HttpResponse<T>>;
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResponse<T>>;
  raw<T = any>(path: string, init: RequestInit): Promise<HttpResponse<T>>;
}

export function httpClient(base: string): Http {
  const raw = async (path: string, init: RequestInit) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as any, headers: res.headers };
  };
  return {
    raw,
    get: (path, headers = {}) => raw(path, { headers }),
    post: (path, body, headers = {}) =>
      raw(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) }),
  };
}

/**
 * The API and a worker wired to the run's real services, as the processes wire them. Each test file gets
 * its own task queue so leftovers of another file never land on its worker.
 */
export async function startSystem(opts: { env?: Record<string, string>; worker?: boolean; name?: string } = {}): Promise<System> {
  const taskQueue = `dy-test-${opts.name ?? 'orders'}-${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ ...process.env, TEMPORAL_TASK_QUEUE: taskQueue, ...opts.env });
  const db = createDb(config.DATABASE_URL as string, { min: 0, max: 20 });
  const redis = connectRedis(config.REDIS_URL);
  const temporal = createTemporalClient(config);
  const ctx: ApiContext = { config, db, redis, temporal, stripe: createStripe(config) };
  const server: Server = await new Promise((resolve) => {
    const s = createApp(ctx).listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let connection: NativeConnection | undefined;
  if (opts.worker !== false) {
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS as string });
    worker = await createOrderWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
      shutdownGraceTime: '2s',
      deps: createActivityDeps(config, db, redis, ctx.stripe),
    });
    running = worker.run();
  }
  return {
    url,
    ctx,
    taskQueue,
    worker,
    http: httpClient(url),
    async stop() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => undefined);
      await connection?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // The gRPC client's retry timers for calls to a dead address (outage tests) outlive the calls
      // themselves; closing the channel under them throws from a timer. Close once they have run out.
      setTimeout(() => void temporal.connection.close().catch(() => undefined), 30_000).unref();
      redis.disconnect();
      await db.destroy();
    },
  };
}

/** The operators' bearer token (METRICS_TOKEN, set by test/helpers/stack.ts): detailed health and /metrics need it. */
export const OPERATOR = { Authorization: `Bearer ${process.env.METRICS_TOKEN}` };

export const address = (line1 = '1 Shoreditch High Street') => ({ line1, city: 'London', postcode: 'E1 6PQ', country: 'GB' });

export function checkoutBody(items: Array<{ sku: string; quantity: number }>, overrides: Record<string, unknown> = {}) {
  return { email: `buyer-${randomBytes(4).toString('hex')}@example.com`, name: 'Alex Morgan', items, shippingAddress: address(), ...overrides };
}

/** A SKU of its own for one test, so its stock arithmetic is exact whatever else the run does. */
export async function createTestSku(ctx: ApiContext, available: number, pricePence = 2500): Promise<string> {
  const id = `test-${randomBytes(4).toString('hex')}`;
  await ctx.db('products').insert({ id, name: `Test Tee ${id}`, category: 'Test', colour: 'Black', description: 'test' });
  const sku = `${id}-M`.toUpperCase();
  await ctx.db('skus').insert({ sku, product_id: id, size: 'M', price_pence: pricePence, vat_rate_bp: 2000, available });
  return sku;
}

export async function availableOf(ctx: ApiContext, sku: string): Promise<number> {
  const row = await ctx.db('skus').where({ sku }).first('available');
  return row.available;
}

/** Stripe's webhook as Stripe would send it: an event around the object, signed with the webhook secret. */
export async function sendStripeEvent(sys: System, type: string, object: Record<string, unknown>, opts: { id?: string; secret?: string; timestamp?: number } = {}) {
  const event = {
    id: opts.id ?? `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: '2025-01-27.acacia',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? sys.ctx.config.STRIPE_WEBHOOK_SECRET, timestamp: opts.timestamp });
  const res = await sys.http.raw('/api/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature }, body: payload });
  return { event, res };
}

export const paymentIntent = (id: string, orderId: string, amount: number, status = 'succeeded') => ({
  id,
  object: 'payment_intent',
  amount,
  amount_received: status === 'succeeded' ? amount : 0,
  currency: 'gbp',
  status,
  metadata: { orderId },
  last_payment_error: status === 'requires_payment_method' ? { message: 'Your card was declined.', code: 'card_declined' } : null,
});

export async function pay(sys: System, order: { orderId: string; totalPence: number; payment: { paymentIntentId: string } }) {
  return sendStripeEvent(sys, 'payment_intent.succeeded', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence));
}

export async function orderStatus(sys: System, order: { orderId: string; trackingToken: string }): Promise<any> {
  const res = await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`);
  if (res.status !== 200) throw new Error(`GET order answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function waitForStatus(sys: System, order: { orderId: string; trackingToken: string }, status: string | string[], timeoutMs = 60_000): Promise<any> {
  const wanted = Array.isArray(status) ? status : [status];
  let last: any;
  return waitFor(
    `order ${order.orderId} to reach ${wanted.join('/')}`,
    async () => {
      last = await orderStatus(sys, order);
      return wanted.includes(last.status) ? last : undefined;
    },
    { timeoutMs, intervalMs: 150 },
  ).catch((err: Error) => {
    throw new Error(`${err.message} (last seen ${last?.status})`);
  });
}

/** Waits for the workflow itself to close, so tests can assert on the final state of everything. */
export async function waitForWorkflowClosed(sys: System, orderId: string, timeoutMs = 60_000): Promise<void> {
  const handle = sys.ctx.temporal.workflow.getHandle(`order-${orderId}`);
  await waitFor(`workflow order-${orderId} to close`, async () => (await handle.describe()).status.name !== 'RUNNING', { timeoutMs, intervalMs: 200 });
}

/**
 * What a customer types to prove a change is theirs (cancel, returns): the order's e-mail address, as the
 * order page asks for it (api/orders/access.ts).
 */
export async function proofFor(sys: System, order: { orderId: string }): Promise<{ email: string }> {
  const row = await sys.ctx.db('orders').where({ order_number: order.orderId }).first('email');
  return { email: row.email };
}
