import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { ALERTS_CHANNEL } from '../activities/alerts/deliver';
import { rateFinding } from '../activities/alerts/rules';
import type { AlertEvaluationInput, AlertEvaluationResult } from '../domain/alerts/types';
import { msOf } from '../lib/config';
import { freePort, waitFor } from '../lib/processes';
import { connectRedis } from '../lib/redis';
import { alertScheduleId, ensureAlertSchedule } from '../temporal-config/schedules';
import { evaluateAlertsWorkflow } from '../workflows/alerts/evaluateAlertsWorkflow';
import { startFakeSlackWebhook, type FakeSlackWebhook } from './fakes/slackWebhook';
import { listEmails } from './helpers/mailSink';
import { checkoutBody, createTestSku, pay, paymentIntent, sendStripeEvent, type System, startSystem, waitForStatus, proofFor } from './helpers/system';

const MAIL = () => process.env.TEST_MAILDEV_URL as string;
let slack: FakeSlackWebhook;
let sys: System;
let subscriber: Redis | undefined;
const published: Array<Record<string, any>> = [];
const admin = () => ({ Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` });

beforeAll(async () => {
  slack = await startFakeSlackWebhook();
  sys = await startSystem({
    name: 'alerts',
    env: {
      SLACK_WEBHOOK_URL: slack.url,
      ALERT_STUCK_AWAITING_PAYMENT: '1s',
      // Long enough that nothing here depends on the payment timing out, nor on the schedule's own timing.
      PAYMENT_WINDOW: '5 minutes',
      ALERT_CHECK_INTERVAL: '1h',
    },
  });
  const redis = connectRedis(sys.ctx.config.REDIS_URL);
  const ready = await waitFor('redis', async () => redis.status === 'ready', { timeoutMs: 3000 }).catch(() => false);
  if (ready) {
    await redis.subscribe(ALERTS_CHANNEL);
    redis.on('message', (_channel, message) => published.push(JSON.parse(message)));
    subscriber = redis;
  } else {
    redis.disconnect();
  }
});

afterAll(async () => {
  await sys?.ctx.temporal.schedule.getHandle(alertScheduleId(sys.taskQueue)).delete().catch(() => undefined);
  subscriber?.disconnect();
  await sys?.stop();
  await slack?.close();
});

const evaluate = (s: System, input: AlertEvaluationInput): Promise<AlertEvaluationResult> =>
  s.ctx.temporal.workflow.execute(evaluateAlertsWorkflow, { taskQueue: s.taskQueue, workflowId: `alerts-test-${randomBytes(4).toString('hex')}`, args: [input] });

const postsAbout = (hook: FakeSlackWebhook, text: string) => hook.posts.filter((p) => JSON.stringify(p).includes(text));
const adminEmailsAbout = async (text: string) => (await listEmails(MAIL())).filter((e) => e.subject.includes(text) && e.to.some((t) => t.address === sys.ctx.config.ADMIN_EMAIL));
const alertRow = (key: string) => sys.ctx.db('alerts').where({ key }).first();

test('an order stuck awaiting payment alerts once, on every channel, until it is paid; then one all-clear', async () => {
  const sku = await createTestSku(sys.ctx, 3);
  const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
  expect(order.status).toBe('AWAITING_PAYMENT');
  const key = `stuck:${order.orderId}:AWAITING_PAYMENT`;
  await new Promise((r) => setTimeout(r, 1500));

  const first = await evaluate(sys, { rules: ['stuck_orders'] });
  expect(first.firing).toContain(key);
  expect(first.newlyFiring).toContain(key);
  expect(first.deliveries.find((d) => d.key === key)).toMatchObject({ phase: 'fired', status: 'sent' });
  const fired = await alertRow(key);
  expect(fired).toMatchObject({ rule: 'stuck_orders', status: 'firing', severity: 'warning', episode: 1 });
  expect(fired.notified_at).not.toBeNull();
  expect(fired.deliveries.fired.channels).toMatchObject({ slack: { status: 'sent' }, email: { status: 'sent' }, redis: { status: subscriber ? 'sent' : 'skipped' } });

  const second = await evaluate(sys, { rules: ['stuck_orders'] });
  expect(second.firing).toContain(key);
  expect(second.newlyFiring).not.toContain(key);
  expect(second.deliveries.map((d) => d.key)).not.toContain(key);
  const seen = await alertRow(key);
  expect(seen.status).toBe('firing');
  expect(new Date(seen.last_seen_at).getTime()).toBeGreaterThan(new Date(fired.last_seen_at).getTime());
  expect(new Date(seen.notified_at).getTime()).toBe(new Date(fired.notified_at).getTime());

  expect(postsAbout(slack, order.orderId)).toHaveLength(1);
  expect(JSON.stringify(postsAbout(slack, order.orderId)[0])).toContain('[Alert warning]');
  const alertMails = await adminEmailsAbout(order.orderId);
  expect(alertMails.map((e) => e.subject)).toEqual([`[Alert warning] Order ${order.orderId} stuck in AWAITING_PAYMENT for over 1s`]);
  if (subscriber) {
    await waitFor('the alert on the Redis channel', async () => published.some((m) => m.key === key));
    expect(published.filter((m) => m.key === key).map((m) => m.phase)).toEqual(['fired']);
  }

  // The admin API lists it, behind the admin token.
  expect((await sys.http.get('/api/admin/alerts?status=firing')).status).toBe(401);
  expect((await sys.http.get('/api/admin/alerts?status=burning', admin())).status).toBe(400);
  const listed = await sys.http.get('/api/admin/alerts?status=firing&rule=stuck_orders&limit=500', admin());
  expect(listed.status).toBe(200);
  expect(listed.body.alerts.find((a: any) => a.key === key)).toMatchObject({ status: 'firing', rule: 'stuck_orders', details: { orderNumber: order.orderId, status: 'AWAITING_PAYMENT' } });

  await pay(sys, order);
  await waitForStatus(sys, order, ['PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED']);
  const third = await evaluate(sys, { rules: ['stuck_orders'] });
  expect(third.resolved).toContain(key);
  expect(third.deliveries.find((d) => d.key === key)).toMatchObject({ phase: 'resolved', status: 'sent' });
  const cleared = await alertRow(key);
  expect(cleared.status).toBe('resolved');
  expect(cleared.resolved_at).not.toBeNull();
  expect(cleared.resolved_notified_at).not.toBeNull();

  const fourth = await evaluate(sys, { rules: ['stuck_orders'] });
  expect(fourth.resolved).not.toContain(key);
  expect(fourth.deliveries.map((d) => d.key)).not.toContain(key);

  const posts = postsAbout(slack, order.orderId).map((p) => String(p.text));
  expect(posts).toHaveLength(2);
  expect(posts[1]).toContain('[Resolved]');
  expect((await adminEmailsAbout(order.orderId)).map((e) => e.subject).sort()).toEqual(
    [`[Alert warning] Order ${order.orderId} stuck in AWAITING_PAYMENT for over 1s`, `[Resolved] Order ${order.orderId} stuck in AWAITING_PAYMENT for over 1s`].sort(),
  );
  if (subscriber) {
    await waitFor('the all-clear on the Redis channel', async () => published.some((m) => m.key === key && m.phase === 'resolved'));
    expect(published.filter((m) => m.key === key).map((m) => m.phase)).toEqual(['fired', 'resolved']);
  }
  const resolvedList = await sys.http.get('/api/admin/alerts?status=resolved&rule=stuck_orders&limit=500', admin());
  expect(resolvedList.body.alerts.map((a: any) => a.key)).toContain(key);
});

test('a channel that stays down releases the announcement; the next evaluation sends only what is missing', async () => {
  const sku = await createTestSku(sys.ctx, 1);
  const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
  const key = `stuck:${order.orderId}:AWAITING_PAYMENT`;
  await new Promise((r) => setTimeout(r, 1500));
  slack.failNext(1000, 500);
  try {
    const failed = await evaluate(sys, { rules: ['stuck_orders'] });
    expect(failed.deliveries.find((d) => d.key === key)).toMatchObject({ phase: 'fired', status: 'failed' });
    const released = await alertRow(key);
    expect(released.status).toBe('firing');
    expect(released.notified_at).toBeNull();
    expect(released.deliveries.fired.channels).toMatchObject({ email: { status: 'sent' } });
    expect(released.deliveries.fired.channels.slack).toBeUndefined();
  } finally {
    slack.failNext(0);
  }
  const retried = await evaluate(sys, { rules: ['stuck_orders'] });
  expect(retried.deliveries.find((d) => d.key === key)).toMatchObject({ phase: 'fired', status: 'sent' });
  expect(postsAbout(slack, order.orderId)).toHaveLength(1);
  expect(await adminEmailsAbout(order.orderId)).toHaveLength(1);
  const row = await alertRow(key);
  expect(row.notified_at).not.toBeNull();
  expect(row.deliveries.fired.channels).toMatchObject({ slack: { status: 'sent' }, email: { status: 'sent' } });

  const cancelled = await sys.http.post(`/api/orders/${order.orderId}/cancel`, await proofFor(sys, order), { 'X-Tracking-Token': order.trackingToken });
  expect(cancelled.status).toBe(200);
  await waitForStatus(sys, order, 'CANCELLED');
  expect((await evaluate(sys, { rules: ['stuck_orders'] })).resolved).toContain(key);
}, 90_000);

test('the payment failure rate fires with enough failures in the window, and not below the minimum number of events', async () => {
  // Six real failures: checkout, then Stripe's payment_failed webhook; each order is cancelled for it.
  const failures = 6;
  const sku = await createTestSku(sys.ctx, failures);
  const orders = await Promise.all(
    Array.from({ length: failures }, async () => {
      const order = (await sys.http.post('/api/checkout', checkoutBody([{ sku, quantity: 1 }]))).body;
      await sendStripeEvent(sys, 'payment_intent.payment_failed', paymentIntent(order.payment.paymentIntentId, order.orderId, order.totalPence, 'requires_payment_method'));
      return order;
    }),
  );
  await waitFor('the payment failures in the order log', async () => {
    const rows = await sys.ctx.db('order_events').whereIn('order_number', orders.map((o) => o.orderId)).where({ type: 'status_changed', to_status: 'CANCELLED', reason: 'PAYMENT_FAILED' });
    return rows.length === failures;
  });

  // Other test files share this database: count what the rule will see, and put the minimum either side of it.
  const window = '10 minutes';
  const inWindow = async () => {
    const [row] = await sys.ctx.db('order_events')
      .where({ type: 'status_changed', from_status: 'AWAITING_PAYMENT' })
      .where('occurred_at', '>=', sys.ctx.db.raw("now() - interval '10 minutes'"))
      .where((q) => q.where({ to_status: 'PAID' }).orWhere({ to_status: 'CANCELLED', reason: 'PAYMENT_FAILED' }))
      .count({ n: '*' });
    return Number(row.n);
  };
  const total = await inWindow();
  expect(total).toBeGreaterThanOrEqual(failures);
  // A threshold our six failures clear whatever else the window holds (up to 600 payments).
  const failureRate = 0.01;

  const below = await evaluate(sys, { rules: ['payment_failure_rate'], window, failureRate, minEvents: total + 1 });
  expect(below.evaluatedRules).toEqual(['payment_failure_rate']);
  expect(below.firing).not.toContain('payment_failure_rate');
  expect((await alertRow('payment_failure_rate'))?.status ?? 'absent').not.toBe('firing');

  const above = await evaluate(sys, { rules: ['payment_failure_rate'], window, failureRate, minEvents: failures });
  expect(above.firing).toContain('payment_failure_rate');
  const row = await alertRow('payment_failure_rate');
  expect(row).toMatchObject({ rule: 'payment_failure_rate', severity: 'critical', status: 'firing' });
  expect(row.details.failed).toBeGreaterThanOrEqual(failures);
  expect(row.details.total).toBeGreaterThanOrEqual(total);
  expect(row.summary).toMatch(/^Payment failures at [\d.]+% \(\d+ of \d+ payments\) in the last 10m$/);
  expect(row.notified_at).not.toBeNull();
  expect(postsAbout(slack, 'Payment failures at')).toHaveLength(1);

  // Still failing: seen again, not announced again.
  await evaluate(sys, { rules: ['payment_failure_rate'], window, failureRate, minEvents: failures });
  expect(postsAbout(slack, 'Payment failures at')).toHaveLength(1);

  // Back under the minimum: resolved, with its all-clear.
  const quiet = await evaluate(sys, { rules: ['payment_failure_rate'], window, failureRate, minEvents: (await inWindow()) + 1 });
  expect(quiet.resolved).toContain('payment_failure_rate');
  expect(postsAbout(slack, 'Payment failures at').map((p) => String(p.text).startsWith('[Resolved]'))).toEqual([false, true]);
});

test('rate rules need the minimum number of events and at least one failure', () => {
  const settings = { windowMs: msOf('15 minutes'), failureRate: 0.2, minEvents: 5, stuckAfterMs: {} };
  const rate = (failed: number, total: number, s = settings) => rateFinding(s, { key: 'k', rule: 'carrier_exception_rate', severity: 'warning', what: 'Carrier exceptions', failed, total, of: 'parcels' });
  expect(rate(4, 4)).toEqual([]);
  expect(rate(1, 5)).toHaveLength(1);
  expect(rate(1, 6)).toEqual([]);
  expect(rate(0, 50, { ...settings, failureRate: 0 })).toEqual([]);
  expect(rate(3, 10)[0]).toMatchObject({ key: 'k', summary: 'Carrier exceptions at 30% (3 of 10 parcels) in the last 15m', details: { failed: 3, total: 10, rate: 0.3 } });
});

test('a failed Stripe webhook in the window fires the webhook rule', async () => {
  const eventId = `evt_alerts_${randomBytes(6).toString('hex')}`;
  await sys.ctx.db('webhook_events').insert({ event_id: eventId, type: 'payment_intent.succeeded', payload: JSON.stringify({ id: eventId }), status: 'failed', attempts: 1, last_error: 'temporal unreachable' });
  try {
    const result = await evaluate(sys, { rules: ['webhook_failures'], window: '1 minute' });
    expect(result.firing).toEqual(['webhook_failures']);
    const row = await alertRow('webhook_failures');
    expect(row).toMatchObject({ status: 'firing', severity: 'critical' });
    expect(row.details.eventIds).toContain(eventId);
  } finally {
    // Other files replay failed events; this one was never Stripe's.
    await sys.ctx.db('webhook_events').where({ event_id: eventId }).delete();
  }
});

test('a bad threshold is refused without retries', async () => {
  await expect(evaluate(sys, { rules: ['payment_failure_rate'], failureRate: 3 })).rejects.toThrow();
});

test('with the database down, its alert goes out once without being recorded, and clears once it is back', async () => {
  const hook = await startFakeSlackWebhook();
  // Both systems judge the same task queue, so the second one finds what the first announced.
  const queue = `dy-test-alerts-db-${randomBytes(3).toString('hex')}`;
  // knex reports each refused connection with console.log; the refusals are the point of this test.
  const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const down = await startSystem({ name: 'alerts-nodb', env: { SLACK_WEBHOOK_URL: hook.url, TEMPORAL_TASK_QUEUE: queue, DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/gone` } });
  try {
    const first = await evaluate(down, { rules: ['dependency_down'] });
    expect(first.unrecorded).toEqual([{ key: 'dependency:database', phase: 'fired', announced: true }]);
    const again = await evaluate(down, { rules: ['dependency_down'] });
    expect(again.unrecorded).toEqual([{ key: 'dependency:database', phase: 'fired', announced: false }]);
    expect(postsAbout(hook, 'PostgreSQL is down').map((p) => String(p.text))).toEqual(['[Alert critical] PostgreSQL is down']);
  } finally {
    await down.stop();
    quiet.mockRestore();
  }
  const up = await startSystem({ name: 'alerts-dbback', env: { SLACK_WEBHOOK_URL: hook.url, TEMPORAL_TASK_QUEUE: queue } });
  try {
    const back = await evaluate(up, { rules: ['dependency_down'] });
    expect(back.resolved).toContain('dependency:database');
    expect(back.unrecorded).toEqual([{ key: 'dependency:database', phase: 'resolved', announced: true }]);
    await evaluate(up, { rules: ['dependency_down'] });
    expect(postsAbout(hook, 'PostgreSQL is down').map((p) => String(p.text))).toEqual(['[Alert critical] PostgreSQL is down', '[Resolved] PostgreSQL is down']);
  } finally {
    await up.stop();
    await hook.close();
  }
});

test('the schedule exists with the configured interval, is idempotent, follows a changed interval, and runs the evaluation', async () => {
  const client = sys.ctx.temporal;
  const created = await ensureAlertSchedule(client, sys.ctx.config);
  expect(created.outcome).toBe('created');
  expect(created.handle.scheduleId).toBe(`alerts-${sys.taskQueue}`);
  const described = await created.handle.describe();
  expect(described.spec.intervals?.map((i) => i.every)).toEqual([msOf('1h')]);
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'evaluateAlertsWorkflow', taskQueue: sys.taskQueue });
  expect(described.policies.overlap).toBe('SKIP');

  expect((await ensureAlertSchedule(client, sys.ctx.config)).outcome).toBe('unchanged');
  expect((await ensureAlertSchedule(client, { ...sys.ctx.config, ALERT_CHECK_INTERVAL: '30 minutes' })).outcome).toBe('updated');
  expect((await created.handle.describe()).spec.intervals?.map((i) => i.every)).toEqual([msOf('30 minutes')]);
  expect((await ensureAlertSchedule(client, sys.ctx.config)).outcome).toBe('updated');
  expect((await created.handle.describe()).spec.intervals?.map((i) => i.every)).toEqual([msOf('1h')]);

  await created.handle.trigger();
  const started = await waitFor('the triggered evaluation', async () => (await created.handle.describe()).info.recentActions[0]?.action.workflow, { timeoutMs: 30_000 });
  const result = (await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as AlertEvaluationResult;
  expect(result.evaluatedRules.length + result.failedRules.length).toBe(6);
  expect(result.failedRules).toEqual([]);
});
