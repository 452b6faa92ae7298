import { startSandboxCarrier, type RunningSandboxCarrier } from '../services/sandboxCarrier/server';
import { carrierCalls } from '../lib/metrics';
import { shipmentWorkflowId } from '../workflows/shipping/definitions';
import { placePaidOrder } from './helpers/orders';
import { address, createTestSku, type System, startSystem } from './helpers/system';

/**
 * A parcel followed for 30 simulated days: the sandbox carrier's clock runs DAY_MS of carrier time per real
 * second, and we poll every few real milliseconds, so the parcel is asked hundreds of times. Its shipment
 * workflow's history must grow with what happened to the parcel, not with how often we asked.
 */
const DAY = 86_400_000;
const SIM_DAYS_PER_SECOND = 1.5;
let carrier: RunningSandboxCarrier;
let sys: System;

beforeAll(async () => {
  const t0 = Date.now();
  carrier = await startSandboxCarrier({ port: 0, stepMs: 6 * DAY, now: () => t0 + (Date.now() - t0) * SIM_DAYS_PER_SECOND * (DAY / 1000) });
  sys = await startSystem({ name: 'tracking-history', env: { CARRIER_URL: carrier.url, CARRIER_POLL_INTERVAL: '25ms', TRACKING_STALE_AFTER: '1 hour', RETURN_WINDOW: '1 minute' } });
});
afterAll(async () => {
  await sys?.stop();
  await carrier?.close();
});

async function trackCalls(): Promise<number> {
  const { values } = await carrierCalls.get();
  return values.filter((v) => v.labels.operation === 'track').reduce((n, v) => n + v.value, 0);
}

test('30 simulated days of tracking keep the shipment history short', async () => {
  const sku = await createTestSku(sys.ctx, 2, 2000);
  const before = await trackCalls();
  // Delayed: label, pick-up, transit, a delay, out for delivery, delivered at day 30.
  const order = await placePaidOrder(sys, { items: [{ sku, quantity: 1 }], checkout: { shippingAddress: address('5 SANDBOX-DELAYED Close') }, until: 'DELIVERED', timeoutMs: 90_000 });
  const delivered = order.view;
  const events = delivered.shipments[0].events as Array<{ occurredAt: string }>;
  const simulatedDays = (Date.parse(events[events.length - 1].occurredAt) - Date.parse(events[0].occurredAt)) / DAY;
  const polls = (await trackCalls()) - before;
  const shipment = await sys.ctx.temporal.workflow.getHandle(shipmentWorkflowId(order.orderId, 'outbound', 1)).describe();
  const historyLength = shipment.historyLength;
  // The figure the shipping issue's note quotes.
  console.log(`tracking history: ${simulatedDays.toFixed(1)} simulated days, ${polls} polls, ${events.length} carrier events, shipment history ${historyLength} events`);
  expect(simulatedDays).toBeGreaterThanOrEqual(29);
  expect(polls).toBeGreaterThan(100);
  // Under twenty history events per status change (the poll, the record, the signal to the order, their
  // workflow tasks), none per poll; after CHANGES_PER_RUN changes the workflow continues as new.
  expect(historyLength).toBeLessThan(20 * events.length + 30);
  expect(historyLength).toBeLessThan(polls);
}, 150_000);
