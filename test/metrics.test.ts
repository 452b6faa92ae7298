import { placePaidOrder } from './helpers/orders';
import { type System, startSystem } from './helpers/system';

// The dependencies' details and /metrics are for operators: METRICS_TOKEN (the test stack sets one).
const OPERATOR = { Authorization: `Bearer ${process.env.METRICS_TOKEN}` };

let sys: System;
beforeAll(async () => {
  sys = await startSystem({ name: 'metrics', env: { WAREHOUSE_MODE: 'manual' } });
});
afterAll(async () => {
  await sys?.stop();
});

/** The value of one sample line, e.g. value(text, 'dy_checkouts_total{outcome="created"}'). */
function value(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

test('/metrics counts a checkout, a webhook, a status change, latency by route and orders by status', async () => {
  const before = (await sys.http.get('/metrics', OPERATOR)).body as string;
  const order = await placePaidOrder(sys, { stock: 3, until: 'PICKING' });
  const res = await sys.http.get('/metrics', OPERATOR);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  const after = res.body as string;
  expect(value(after, 'dy_checkouts_total{outcome="created"}')).toBe(value(before, 'dy_checkouts_total{outcome="created"}') + 1);
  expect(value(after, 'dy_webhook_events_total{type="payment_intent.succeeded",outcome="processed"}')).toBe(value(before, 'dy_webhook_events_total{type="payment_intent.succeeded",outcome="processed"}') + 1);
  expect(value(after, 'dy_order_status_changes_total{to="PAID"}')).toBe(value(before, 'dy_order_status_changes_total{to="PAID"}') + 1);
  expect(value(after, 'dy_order_time_in_status_seconds_count{status="AWAITING_PAYMENT"}')).toBeGreaterThan(value(before, 'dy_order_time_in_status_seconds_count{status="AWAITING_PAYMENT"}'));
  expect(after).toMatch(/dy_http_request_duration_seconds_count\{method="POST",route="\/api\/checkout",status="201"\} \d+/);
  expect(value(after, 'dy_orders_by_status{status="PICKING"}')).toBeGreaterThanOrEqual(1);
  expect(after).toContain('dy_notification_deliveries_total');
});

test('a bad checkout counts as invalid', async () => {
  const before = value((await sys.http.get('/metrics', OPERATOR)).body, 'dy_checkouts_total{outcome="invalid"}');
  await sys.http.post('/api/checkout', {});
  expect(value((await sys.http.get('/metrics', OPERATOR)).body, 'dy_checkouts_total{outcome="invalid"}')).toBe(before + 1);
});
