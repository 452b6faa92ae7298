import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import Stripe from 'stripe';
import type { ApiContext } from '../api/context';
import { createDb, type Db } from '../db/connection';
import { DEV_WEBHOOK_SECRET, loadConfig } from '../lib/config';
import { projectRoot } from '../lib/paths';
import { freePort, waitFor } from '../lib/processes';
import { temporalWorkflowSinks } from '../lib/tracing';
import { checkoutBody, createTestSku, type Http, httpClient, OPERATOR, paymentIntent } from './helpers/system';

/**
 * Logs and traces as operators see them: the API and a worker run as real processes (`node dist/…`), their
 * stdout captured line by line, while one order goes from checkout through payment to DELIVERED.
 */
const API_ENTRY = path.join(projectRoot, 'dist', 'api', 'main.js');
const WORKER_ENTRY = path.join(projectRoot, 'dist', 'workers', 'main.js');

type Line = Record<string, any>;

interface Proc {
  name: string;
  raw: string[];
  stderr: string[];
  stop(): Promise<void>;
}

function startProcess(name: string, entry: string, env: Record<string, string>): Proc {
  const child: ChildProcess = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const raw: string[] = [];
  const stderr: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => raw.push(l));
  readline.createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    raw,
    stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const parsed = (p: Proc): Line[] => p.raw.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line);

interface Stack {
  api: Proc;
  worker: Proc;
  http: Http;
  taskQueue: string;
  stop(): Promise<void>;
}

async function startStack(name: string, env: Record<string, string> = {}): Promise<Stack> {
  const taskQueue = `dy-test-${name}-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const common = { TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', ...env };
  const worker = startProcess('worker', WORKER_ENTRY, { ...common, DY_SERVICE: 'worker' });
  const api = startProcess('api', API_ENTRY, { ...common, DY_SERVICE: 'api', PORT: String(port) });
  const http = httpClient(`http://127.0.0.1:${port}`);
  const stack = {
    api,
    worker,
    http,
    taskQueue,
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
    },
  };
  try {
    await waitFor('the API and its worker', async () => (await http.get('/api/health', OPERATOR)).body?.dependencies?.workers?.status === 'up', { timeoutMs: 60_000 });
  } catch (err) {
    await stack.stop();
    throw new Error(`${(err as Error).message}\napi stderr: ${api.stderr.join('\n')}\nworker stderr: ${worker.stderr.join('\n')}`);
  }
  return stack;
}

interface Order {
  orderId: string;
  totalPence: number;
  trackingToken: string;
  payment: { paymentIntentId: string };
}

/** Stripe's webhook as Stripe sends it, signed with the dev secret the processes run with. */
async function pay(http: Http, order: Order) {
  const payload = JSON.stringify({
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: '2025-01-27.acacia',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
    data: { object: paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence) },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: process.env.STRIPE_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET });
  const res = await http.raw('/api/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature }, body: payload });
  expect(res.status).toBe(200);
}

async function waitForStatus(http: Http, order: Order, status: string): Promise<void> {
  await waitFor(`order ${order.orderId} to reach ${status}`, async () => (await http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`)).body?.status === status, {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

let db: Db;
let stack: Stack | undefined;

beforeAll(() => {
  for (const entry of [API_ENTRY, WORKER_ENTRY]) {
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run through \`npm test\`, which builds first`);
  }
  db = createDb(process.env.DATABASE_URL as string, { min: 0, max: 2 });
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});
afterAll(async () => {
  await db?.destroy();
});

async function placeOrder(s: Stack, requestId: string): Promise<Order & { email: string }> {
  const sku = await createTestSku({ db } as ApiContext, 5, 3100);
  const body = checkoutBody([{ sku, quantity: 1 }]);
  const res = await s.http.post('/api/checkout', body, { 'X-Request-Id': requestId });
  expect(res.status).toBe(201);
  expect(res.headers.get('x-request-id')).toBe(requestId);
  return { ...(res.body as Order), email: body.email };
}

test('every log line is JSON, and one order is followed by its orderId from the API through workflow and activities', async () => {
  stack = await startStack('logs');
  const requestId = `obs-${randomBytes(6).toString('hex')}`;
  const order = await placeOrder(stack, requestId);
  const workflowId = `order-${order.orderId}`;
  await pay(stack.http, order);
  await waitForStatus(stack.http, order, 'DELIVERED');
  // The run ends RETURN_WINDOW (2 s) after delivery: its last lifecycle line then exists.
  await waitFor('the workflow to complete', async () => stack!.worker.raw.some((l) => l.includes('Workflow completed') && l.includes(`"workflowId":"${workflowId}"`)), { timeoutMs: 30_000 });
  await stack.stop();

  const api = parsed(stack.api);
  const worker = parsed(stack.worker);

  // The API: one line per request, keyed by the request id; checkout and webhook lines name the order.
  const checkout = api.find((l) => l.requestId === requestId);
  expect(checkout).toMatchObject({
    msg: 'request completed',
    service: 'api',
    orderId: order.orderId,
    workflowId,
    req: { method: 'POST', url: '/api/checkout' },
    res: { statusCode: 201 },
  });
  expect(typeof checkout?.responseTime).toBe('number');
  expect(api).toContainEqual(expect.objectContaining({ msg: 'stripe webhook', orderId: order.orderId, type: 'payment_intent.succeeded' }));
  const lookups = api.filter((l) => l.req?.url === `/api/orders/${order.orderId}`);
  expect(lookups.length).toBeGreaterThan(0);
  for (const line of lookups) expect(line).toMatchObject({ orderId: order.orderId, requestId: expect.any(String) });
  // Tracking tokens travel in query strings; they never reach the logs.
  expect(stack.api.raw.filter((l) => l.includes(order.trackingToken))).toEqual([]);

  // The worker: the workflow's own lines and each activity's, all carrying the orderId.
  const ofOrder = worker.filter((l) => l.workflowId === workflowId);
  expect(ofOrder.filter((l) => l.orderId !== order.orderId)).toEqual([]);
  const workflowLines = ofOrder.filter((l) => l.sdkComponent === 'workflow');
  expect(workflowLines).toContainEqual(expect.objectContaining({ msg: 'update accepted', update: 'checkout', workflowType: 'orderWorkflow' }));
  expect(workflowLines).toContainEqual(expect.objectContaining({ msg: 'signal received' }));
  expect(ofOrder).toContainEqual(expect.objectContaining({ msg: 'Workflow completed', workflowType: 'orderWorkflow' }));
  const activities = new Set(ofOrder.filter((l) => l.msg === 'Activity completed').map((l) => l.activityType as string));
  expect([...activities]).toEqual(expect.arrayContaining(['reserveStock', 'createPaymentIntent']));
  // The parcel is its own child workflow; its lines name the order too.
  const ofParcel = worker.filter((l) => l.workflowId === `shipment-${order.orderId}-1` && l.msg === 'Activity completed');
  expect(ofParcel.map((l) => l.activityType)).toEqual(expect.arrayContaining(['bookParcel', 'followParcel']));
  expect(ofParcel.filter((l) => l.orderId !== order.orderId)).toEqual([]);
  for (const line of ofOrder.filter((l) => l.activityType)) {
    expect(line.taskToken).toBeUndefined();
    expect(typeof line.durationMs === 'number' || line.msg !== 'Activity completed').toBe(true);
  }
  expect(worker.some((l) => l.msg === 'worker polling' && l.service === 'worker')).toBe(true);
}, 180_000);

test('with TRACING_EXPORTER=console one trace runs from the checkout request through the workflow to its activities', async () => {
  stack = await startStack('traces', { TRACING_EXPORTER: 'console', OTEL_SERVICE_NAME: 'dy-orders-test' });
  const requestId = `obs-${randomBytes(6).toString('hex')}`;
  const order = await placeOrder(stack, requestId);
  const workflowId = `order-${order.orderId}`;
  await pay(stack.http, order);
  await waitForStatus(stack.http, order, 'DELIVERED');
  // RunWorkflow's span ends with the run, RETURN_WINDOW (2 s) after delivery.
  await waitFor('the workflow span', async () => stack!.worker.raw.some((l) => l.includes('"RunWorkflow:orderWorkflow"') && l.includes(workflowId)), { timeoutMs: 30_000 });
  const history = await fetchHistory(workflowId);
  await stack.stop();

  const api = parsed(stack.api);
  const worker = parsed(stack.worker);
  const spans = [...api, ...worker].filter((l) => l.msg === 'span');

  const request = spans.find((s) => s.spanKind === 'SERVER' && s.spanName === 'POST /api/checkout');
  expect(request).toBeDefined();
  expect(request?.parent_span_id).toBeUndefined();
  expect(request?.attributes['http.route']).toBe('/api/checkout');
  const traceId = request?.trace_id as string;
  const trace = spans.filter((s) => s.trace_id === traceId);
  const names = trace.map((s) => s.spanName as string);
  expect(names).toEqual(
    expect.arrayContaining([
      'POST /api/checkout',
      'UpdateWithStartWorkflow:checkout',
      'RunWorkflow:orderWorkflow',
      'HandleUpdate:checkout',
      'StartActivity:reserveStock',
      'RunActivity:reserveStock',
      'StartActivity:createPaymentIntent',
      'RunActivity:createPaymentIntent',
      // After payment, from the workflow's main line: still the checkout's trace.
      'RunActivity:bookParcel',
    ]),
  );
  // One tree: every span's parent is in the trace (the request is its root), across both processes.
  const ids = new Set(trace.map((s) => s.span_id));
  expect(trace.filter((s) => s.parent_span_id !== undefined && !ids.has(s.parent_span_id)).map((s) => s.spanName)).toEqual([]);
  expect(new Set(trace.map((s) => s.spanService))).toEqual(new Set(['dy-orders-test']));
  // The order's activities and its parcel's (a child workflow): one trace.
  const ownWorkflows = new Set([workflowId, `shipment-${order.orderId}-1`]);
  expect(trace.filter((s) => s.spanName.startsWith('RunActivity:') && !ownWorkflows.has(s.attributes.temporalWorkflowId)).map((s) => s.attributes.temporalWorkflowId)).toEqual([]);

  // The webhook's own trace carries the payment signal into the workflow.
  const webhook = spans.find((s) => s.spanKind === 'SERVER' && s.spanName === 'POST /api/webhooks/stripe');
  expect(spans.filter((s) => s.trace_id === webhook?.trace_id).map((s) => s.spanName)).toEqual(expect.arrayContaining(['SignalWorkflow:payment', 'HandleSignal:payment']));

  // Logs join the traces: the request line names its trace. Spans carry neither the query's tracking
  // token nor the customer's e-mail (a search attribute of the workflow).
  expect(api.find((l) => l.requestId === requestId)).toMatchObject({ trace_id: traceId, orderId: order.orderId });
  expect(stack.api.raw.concat(stack.worker.raw).filter((l) => l.includes(order.trackingToken))).toEqual([]);
  expect(spans.filter((s) => JSON.stringify(s).includes(order.email)).map((s) => s.spanName)).toEqual([]);
  expect(trace.find((s) => s.spanName === 'RunWorkflow:orderWorkflow')?.attributes).toMatchObject({ workflowId, workflowType: 'orderWorkflow' });

  // A traced run replays as deterministically as an untraced one.
  const replayConfig = loadConfig({ ...process.env, TRACING_EXPORTER: 'none' });
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH as string }, sinks: temporalWorkflowSinks(replayConfig) }, history, workflowId);
}, 180_000);

async function fetchHistory(workflowId: string) {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
  try {
    return await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
  } finally {
    await connection.close();
  }
}
