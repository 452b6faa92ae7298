/**
 * `npm run bench`: figures for the order backbone against real services (Temporal dev server, stripe-mock,
 * the sandbox carrier and a fresh PostgreSQL database, as the tests use them), with the API and a worker in
 * this process. It prints numbers; it has no thresholds and does not fail on slow figures.
 *
 *   BENCH_CHECKOUTS     checkouts in the concurrent run (default 200)
 *   BENCH_CONCURRENCY   checkouts in flight at once (default 4)
 *   BENCH_SEQUENTIAL    checkouts in the unloaded, one-at-a-time run (default 50)
 *   BENCH_WARMUP        checkouts before measuring, not counted (default 5)
 *   BENCH_DELIVERIES    orders paid and followed to DELIVERED per timing profile (default 5)
 *   BENCH_DEV_DEFAULTS  0 skips the slow dev-defaults delivery run (default 1)
 *   BENCH_PAYMENT_WINDOW  payment window of the bench orders (default 30 minutes, the dev default, so the
 *                       unpaid ones do not cancel themselves during the runs as the stack's 20 s would make them)
 *   BENCH_LOG_LEVEL     the app's log level (default silent; logs go to stdout as JSON)
 *   BENCH_TIMEOUT_MS    gives up (exit 1) after this long (default 30 minutes)
 */
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { TestStack } from '../test/helpers/stack';
import type { System } from '../test/helpers/system';
import {
  type CheckoutTrace,
  fmtMb,
  fmtMs,
  fmtS,
  type HistoryEventLike,
  intEnv,
  median,
  memory,
  type MemorySnapshot,
  runPool,
  sleep,
  summarise,
  tally,
  timerLags,
  traceCheckout,
  withTimeout,
} from './benchLib';

// The app's logger reads these when it is first imported: set them before loading any project module.
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.TEST_LOG_LEVEL = process.env.LOG_LEVEL;

const CHECKOUTS = intEnv('BENCH_CHECKOUTS', 200, 1);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 4, 1);
const SEQUENTIAL = intEnv('BENCH_SEQUENTIAL', 50, 0);
const WARMUP = intEnv('BENCH_WARMUP', 5, 0);
const DELIVERIES = intEnv('BENCH_DELIVERIES', 5, 0);
const DEV_DEFAULTS = intEnv('BENCH_DEV_DEFAULTS', 1, 0) !== 0;
/** Unpaid bench orders would otherwise time out (the stack's 20 s) and cancel in the middle of the runs. */
const PAYMENT_WINDOW = process.env.BENCH_PAYMENT_WINDOW ?? '30 minutes';
// The abuse limits are per client and every bench checkout comes from 127.0.0.1: the bench sets its own
// and prints them, so a figure is never a limit's 429 in disguise.
const LIMITS = {
  UNPAID_ORDERS_PER_CLIENT: process.env.BENCH_UNPAID_ORDERS_PER_CLIENT ?? '1000000',
  CHECKOUT_MAX_UNITS_PER_LINE: '20',
  RATE_LIMIT_CHECKOUT: '1000000',
  SSE_MAX_PER_CLIENT: '1000000',
  SSE_MAX_PER_ORDER: '1000000',
};
process.stdout.write(`[bench] limits: ${Object.entries(LIMITS).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
const POLL_MS = 100;

const say = (m: string): void => {
  process.stdout.write(`[bench] ${m}\n`);
};

interface Order {
  orderId: string;
  totalPence: number;
  trackingToken: string;
  payment: { paymentIntentId: string };
}

interface CheckoutSample {
  ms: number;
  status: number;
  order?: Order;
  error?: string;
}

interface CheckoutRun {
  label: string;
  samples: CheckoutSample[];
  wallMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuMs: number;
}

interface DeliveryResult {
  orderId: string;
  /** Webhook sent → GET first shows DELIVERED, as the customer would see it. */
  ms?: number;
  webhookMs: number;
  webhookStatus: number;
  finalStatus: string;
  /** From the order's own timeline: PAID → PACKED (warehouse), PACKED → SHIPPED (booking), SHIPPED → DELIVERED (carrier). */
  phases?: { warehouseMs: number; bookingMs: number; carrierMs: number; paidToDeliveredMs: number };
  getErrors: string[];
  /** Extra polls until the DELIVERED event appeared in the timeline after the status said DELIVERED. */
  timelineLagPolls?: number;
}

interface DeliveryRun {
  label: string;
  results: DeliveryResult[];
  /** Durable timers of these orders (warehouse waits): asked-for duration and when they actually fired. */
  timers: Array<{ requestedMs: number; actualMs: number }>;
}

/** What to stop, in reverse order, however the run ends (including Ctrl-C). */
const stops: Array<{ what: string; stop: () => Promise<void> }> = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { what, stop } of stops.reverse()) {
      await withTimeout(`stopping ${what}`, stop(), 60_000).catch((err: Error) => say(`stop failed: ${err.message}`));
    }
  })();
  return cleaning;
}
/** Registers something to stop and returns its stop, safe to call early and again at cleanup. */
function track(what: string, stop: () => Promise<void>): () => Promise<void> {
  let once: Promise<void> | undefined;
  const stopOnce = () => (once ??= withTimeout(`stopping ${what}`, stop(), 60_000).catch((err: Error) => say(`stop failed: ${err.message}`)));
  stops.push({ what, stop: stopOnce });
  return stopOnce;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the stack`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const { startTestStack } = await import('../test/helpers/stack');
  const sysMod = await import('../test/helpers/system');
  const { startSandboxCarrier } = await import('../services/sandboxCarrier/server');
  const { checkoutBody, createTestSku, pay, startSystem } = sysMod;

  const cores = os.cpus().length;
  say(`DY Orders benchmark on ${cores} cores, Node ${process.version}; starting the stack (Temporal dev server, stripe-mock, sandbox carrier, PostgreSQL)`);

  try {
    const t0 = performance.now();
    const stack: TestStack = await startTestStack();
    track('the stack', () => stack.stop());
    Object.assign(process.env, stack.env);
    say(`stack up in ${fmtS(performance.now() - t0)}`);

    // ---- The system under test: auto warehouse at its dev delay, the stack's fast sandbox carrier ------
    const bench = await startSystem({ name: 'bench', env: { ...LIMITS, WAREHOUSE_MODE: 'auto', WAREHOUSE_AUTO_DELAY: '5s', PAYMENT_WINDOW } });
    track('the bench system', () => bench.stop());
    say(`system up: API ${bench.url}, task queue ${bench.taskQueue}`);

    const sku = await createTestSku(bench.ctx, 10_000_000, 2500);
    const startingStock = 10_000_000;

    const checkoutOnce = async (sys: System, skuId: string): Promise<CheckoutSample> => {
      const body = checkoutBody([{ sku: skuId, quantity: 1 }]);
      const t = performance.now();
      try {
        const res = await sys.http.post<Order & { error?: { code: string; message: string } }>('/api/checkout', body);
        const ms = performance.now() - t;
        if (res.status === 201) return { ms, status: res.status, order: res.body };
        return { ms, status: res.status, error: `${res.body?.error?.code ?? ''} ${res.body?.error?.message ?? JSON.stringify(res.body)}`.trim() };
      } catch (err) {
        return { ms: performance.now() - t, status: 0, error: (err as Error).message };
      }
    };

    const checkoutRun = async (label: string, count: number, concurrency: number): Promise<CheckoutRun> => {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const cpu0 = process.cpuUsage();
      const t = performance.now();
      const samples = await runPool(count, concurrency, () => checkoutOnce(bench, sku));
      const wallMs = performance.now() - t;
      const cpu = process.cpuUsage(cpu0);
      loop.disable();
      return { label, samples, wallMs, loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
    };

    // ---- Checkouts ------------------------------------------------------------------------------------
    const memBefore: MemorySnapshot = memory();
    if (WARMUP > 0) {
      const warm = await runPool(WARMUP, 1, () => checkoutOnce(bench, sku));
      say(`warm-up: ${WARMUP} checkouts (${tally(warm.map((s) => s.status))}), first ${fmtMs(warm[0].ms)}, last ${fmtMs(warm[warm.length - 1].ms)}`);
    }
    let sequential: CheckoutRun | undefined;
    if (SEQUENTIAL > 0) {
      say(`sequential run: ${SEQUENTIAL} checkouts one at a time`);
      sequential = await checkoutRun(`sequential x${SEQUENTIAL}`, SEQUENTIAL, 1);
      report(sequential);
    }
    say(`concurrent run: ${CHECKOUTS} checkouts at concurrency ${CONCURRENCY}`);
    const concurrent = await checkoutRun(`${CHECKOUTS} checkouts @ concurrency ${CONCURRENCY}`, CHECKOUTS, CONCURRENCY);
    report(concurrent);
    const memAfter: MemorySnapshot = memory();

    // Where the time of a checkout goes, as Temporal recorded it for the concurrent run's orders.
    const traces: CheckoutTrace[] = [];
    await runPool(concurrent.samples.length, 8, async (i) => {
      const order = concurrent.samples[i].order;
      if (!order) return;
      try {
        const history = await bench.ctx.temporal.workflow.getHandle(`order-${order.orderId}`).fetchHistory();
        traces.push(traceCheckout((history.events ?? []) as HistoryEventLike[]));
      } catch (err) {
        say(`history of ${order.orderId} unavailable: ${(err as Error).message}`);
      }
    });
    const traceLines = describeTraces(traces);
    for (const l of traceLines) say(l);

    // ---- Payment → DELIVERED ------------------------------------------------------------------------
    const deliveryRuns: DeliveryRun[] = [];
    const deliveries = async (sys: System, label: string, deadlineMs: number): Promise<DeliveryRun> => {
      say(`payment → DELIVERED: ${label}, ${DELIVERIES} orders`);
      const skuId = await createTestSku(sys.ctx, 1000, 3500);
      const orders: Order[] = [];
      for (let i = 0; i < DELIVERIES; i++) {
        const c = await checkoutOnce(sys, skuId);
        if (!c.order) throw new Error(`checkout for the delivery run failed: ${c.status} ${c.error}`);
        orders.push(c.order);
      }
      const results = await Promise.all(orders.map((o, i) => followToDelivered(sys, o, deadlineMs, i * 50)));
      const timers: Array<{ requestedMs: number; actualMs: number }> = [];
      for (const o of orders) {
        const history = await sys.ctx.temporal.workflow.getHandle(`order-${o.orderId}`).fetchHistory().catch(() => undefined);
        if (history) timers.push(...timerLags((history.events ?? []) as Parameters<typeof timerLags>[0]));
      }
      const run: DeliveryRun = { label, results, timers };
      reportDeliveries(run);
      deliveryRuns.push(run);
      return run;
    };
    const followToDelivered = async (sys: System, order: Order, deadlineMs: number, staggerMs: number): Promise<DeliveryResult> => {
      await sleep(staggerMs);
      const t = performance.now();
      const { res } = await pay(sys, order);
      const webhookMs = performance.now() - t;
      const result: DeliveryResult = { orderId: order.orderId, webhookMs, webhookStatus: res.status, finalStatus: '?', getErrors: [] };
      const deadline = t + deadlineMs;
      let last: any;
      while (performance.now() < deadline) {
        const r = await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`);
        if (r.status !== 200) {
          result.getErrors.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        } else {
          last = r.body;
          if (last.status === 'DELIVERED') {
            result.ms = performance.now() - t;
            break;
          }
          if (['CANCELLED', 'NEEDS_ATTENTION', 'OUT_OF_STOCK', 'REFUNDED'].includes(last.status)) break;
        }
        await sleep(POLL_MS);
      }
      result.finalStatus = last?.status ?? 'unknown';
      // The workflow's state says DELIVERED a moment before its event row is written: wait for the row.
      const hasEvent = (to: string) => (last?.timeline ?? []).some((x: { toStatus: string | null }) => x.toStatus === to);
      for (let i = 0; result.ms !== undefined && !hasEvent('DELIVERED') && i < 50; i++) {
        result.timelineLagPolls = i + 1;
        await sleep(POLL_MS);
        const r = await sys.http.get(`/api/orders/${order.orderId}?token=${order.trackingToken}`);
        if (r.status === 200) last = r.body;
      }
      const when = (to: string) => {
        const e = (last?.timeline ?? []).find((x: { toStatus: string | null }) => x.toStatus === to);
        return e ? Date.parse(e.occurredAt) : Number.NaN;
      };
      if (result.ms !== undefined) {
        result.phases = {
          warehouseMs: when('PACKED') - when('PAID'),
          bookingMs: when('SHIPPED') - when('PACKED'),
          carrierMs: when('DELIVERED') - when('SHIPPED'),
          paidToDeliveredMs: when('DELIVERED') - when('PAID'),
        };
      }
      return result;
    };

    let headline: DeliveryRun | undefined;
    let testTimings: DeliveryRun | undefined;
    let benchTimings: DeliveryRun | undefined;
    if (DELIVERIES > 0) {
      // The stack's own test timings: warehouse 300 ms, carrier step 400 ms, poll 300 ms.
      const quick = await startSystem({ name: 'bench-test-timings', env: { ...LIMITS, WAREHOUSE_MODE: 'auto', PAYMENT_WINDOW } });
      const stopQuick = track('the test-timings system', () => quick.stop());
      try {
        testTimings = await deliveries(quick, 'auto mode, test timings (warehouse 300 ms, carrier step 400 ms, poll 300 ms)', 60_000);
      } finally {
        await stopQuick();
      }

      // The bench system: warehouse at its dev delay (5 s per pick and per pack), the stack's fast carrier.
      benchTimings = await deliveries(bench, 'auto mode, warehouse 5 s, stack carrier (step 400 ms, poll 300 ms)', 90_000);

      if (DEV_DEFAULTS) {
        // Dev defaults from lib/config.ts: SANDBOX_CARRIER_STEP 8s, CARRIER_POLL_INTERVAL 5s, WAREHOUSE_AUTO_DELAY 5s.
        const devCarrier = await startSandboxCarrier({ port: 0, stepMs: 8000 });
        track('the dev-timing sandbox carrier', () => devCarrier.close());
        const dev = await startSystem({
          name: 'bench-dev-defaults',
          env: { ...LIMITS, WAREHOUSE_MODE: 'auto', WAREHOUSE_AUTO_DELAY: '5s', CARRIER_URL: devCarrier.url, CARRIER_POLL_INTERVAL: '5s', PAYMENT_WINDOW },
        });
        const stopDev = track('the dev-defaults system', () => dev.stop());
        try {
          headline = await deliveries(dev, 'auto mode, dev defaults (warehouse 5 s, carrier step 8 s, poll 5 s)', 180_000);
        } finally {
          await stopDev();
        }
      }
    }

    // ---- What the load left behind in the read model ------------------------------------------------
    const consistency = await checkConsistency(bench, sku, startingStock);
    for (const l of consistency) say(l);

    // ---- Summary ------------------------------------------------------------------------------------
    const lines: string[] = [];
    lines.push(`DY Orders benchmark (${cores} cores, Node ${process.version})`);
    lines.push(checkoutLine(concurrent, true));
    if (sequential) lines.push(checkoutLine(sequential, false));
    const dLine = (label: string, run: DeliveryRun | undefined) => {
      if (!run) return;
      const ok = run.results.filter((r) => r.ms !== undefined).map((r) => r.ms as number);
      const failed = run.results.length - ok.length;
      const s = summarise(ok);
      lines.push(
        `payment → DELIVERED, ${label} (${run.results.length} orders): median ${fmtS(s.median)}, max ${fmtS(s.max)}` +
          (failed ? `; ${failed} not delivered (${tally(run.results.filter((r) => r.ms === undefined).map((r) => r.finalStatus))})` : ''),
      );
    };
    dLine('auto mode, dev defaults', headline);
    dLine('auto mode, warehouse 5 s + stack carrier (400 ms step, 300 ms poll)', benchTimings);
    dLine('test timings (warehouse 300 ms, 400 ms step, 300 ms poll)', testTimings);
    lines.push(
      `memory (bench process: API + worker + load generator): rss ${fmtMb(memBefore.rss)} → ${fmtMb(memAfter.rss)}, ` +
        `heap used ${fmtMb(memBefore.heapUsed)} → ${fmtMb(memAfter.heapUsed)} (heap total ${fmtMb(memBefore.heapTotal)} → ${fmtMb(memAfter.heapTotal)})`,
    );
    const width = Math.max(...lines.map((l) => l.length));
    process.stdout.write(`\n${'='.repeat(width)}\n${lines.join('\n')}\n${'='.repeat(width)}\n\n`);
  } finally {
    say('stopping');
    await cleanup();
  }
}

function report(run: CheckoutRun): void {
  const ok = run.samples.filter((s) => s.status === 201);
  const s = summarise(ok.map((x) => x.ms));
  say(
    `${run.label}: ${ok.length}/${run.samples.length} answered 201 in ${fmtS(run.wallMs)}; median ${fmtMs(s.median)}, p90 ${fmtMs(s.p90)}, p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)}, min ${fmtMs(s.min)}; ` +
      `${((ok.length / run.wallMs) * 1000).toFixed(1)} checkouts/s; event-loop delay p99 ${fmtMs(run.loopDelayP99Ms)}, max ${fmtMs(run.loopDelayMaxMs)}; bench-process CPU ${fmtS(run.cpuMs)}`,
  );
  const bad = run.samples.filter((x) => x.status !== 201);
  if (bad.length > 0) {
    say(`  non-201 answers: ${tally(bad.map((x) => x.status))}`);
    for (const [msg, n] of [...new Set(bad.map((x) => `${x.status} ${x.error}`))].map((m) => [m, bad.filter((x) => `${x.status} ${x.error}` === m).length] as const).slice(0, 5)) {
      say(`    ${n}× ${msg}`);
    }
  }
}

function checkoutLine(run: CheckoutRun, withThroughput: boolean): string {
  const ok = run.samples.filter((s) => s.status === 201);
  const s = summarise(ok.map((x) => x.ms));
  const errors = run.samples.length - ok.length;
  return (
    `checkout latency, ${run.label}: median ${fmtMs(s.median)}, p90 ${fmtMs(s.p90)}, p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)}` +
    (withThroughput ? `; ${((ok.length / run.wallMs) * 1000).toFixed(1)} checkouts/s` : '') +
    (errors ? `; ${errors} non-201 (${tally(run.samples.filter((x) => x.status !== 201).map((x) => x.status))})` : '')
  );
}

function reportDeliveries(run: DeliveryRun): void {
  const ok = run.results.filter((r) => r.ms !== undefined);
  const s = summarise(ok.map((r) => r.ms as number));
  say(`  ${run.label}: ${ok.length}/${run.results.length} delivered; median ${fmtS(s.median)}, max ${fmtS(s.max)}, min ${fmtS(s.min)}`);
  const phase = (k: keyof NonNullable<DeliveryResult['phases']>) => fmtS(median(ok.map((r) => r.phases?.[k] ?? Number.NaN).filter((x) => !Number.isNaN(x))));
  if (ok.length) {
    say(`    from the order timelines (medians): PAID→PACKED ${phase('warehouseMs')}, PACKED→SHIPPED ${phase('bookingMs')}, SHIPPED→DELIVERED ${phase('carrierMs')}, PAID→DELIVERED ${phase('paidToDeliveredMs')}`);
  }
  const byRequested = new Map<number, number[]>();
  for (const t of run.timers) byRequested.set(t.requestedMs, [...(byRequested.get(t.requestedMs) ?? []), t.actualMs]);
  if (byRequested.size) {
    say(`    durable timers: ${[...byRequested.entries()].map(([req, actual]) => `${fmtMs(req)} ×${actual.length} fired after median ${fmtMs(median(actual))} (max ${fmtMs(Math.max(...actual))})`).join('; ')}`);
  }
  say(`    webhook answers: ${tally(run.results.map((r) => r.webhookStatus))}, median ${fmtMs(median(run.results.map((r) => r.webhookMs)))}`);
  const lagged = run.results.filter((r) => r.timelineLagPolls);
  if (lagged.length) say(`    ${lagged.length}/${run.results.length} GETs showed status DELIVERED before the timeline had its DELIVERED event (up to ${Math.max(...lagged.map((r) => r.timelineLagPolls ?? 0))} more polls)`);
  for (const r of run.results) {
    if (r.ms === undefined) say(`    ${r.orderId} not DELIVERED before the deadline: last seen ${r.finalStatus}`);
    if (r.getErrors.length) say(`    ${r.orderId}: ${r.getErrors.length} failed GETs, e.g. ${r.getErrors[0]}`);
  }
}

function describeTraces(traces: CheckoutTrace[]): string[] {
  if (traces.length === 0) return ['no workflow histories read'];
  const out: string[] = [];
  const total = summarise(traces.map((t) => t.startToUpdateCompletedMs ?? Number.NaN).filter((x) => !Number.isNaN(x)));
  out.push(`checkout inside Temporal (${traces.length} histories, workflow start → update completed): median ${fmtMs(total.median)}, p90 ${fmtMs(total.p90)}, p99 ${fmtMs(total.p99)}, max ${fmtMs(total.max)}`);
  const names = [...new Set(traces.flatMap((t) => t.activities.map((a) => a.name)))];
  for (const name of names) {
    const acts = traces.flatMap((t) => t.activities.filter((a) => a.name === name));
    const q = summarise(acts.map((a) => a.queueMs));
    const r = summarise(acts.map((a) => a.runMs));
    const retried = acts.filter((a) => a.attempts > 1).length;
    out.push(`  ${name} ×${acts.length}: queue median ${fmtMs(q.median)} (p99 ${fmtMs(q.p99)}), run median ${fmtMs(r.median)} (p99 ${fmtMs(r.p99)}, max ${fmtMs(r.max)})${retried ? `, ${retried} needed a retry` : ''}`);
  }
  const wft = traces.flatMap((t) => t.workflowTasks);
  const wq = summarise(wft.map((w) => w.queueMs));
  const wr = summarise(wft.map((w) => w.runMs));
  out.push(`  workflow tasks ×${wft.length} (${(wft.length / traces.length).toFixed(1)} per checkout): queue median ${fmtMs(wq.median)} (p99 ${fmtMs(wq.p99)}), run median ${fmtMs(wr.median)} (p99 ${fmtMs(wr.p99)})`);
  const actFailures = traces.flatMap((t) => t.activityFailures);
  const wftFailures = traces.flatMap((t) => t.workflowTaskFailures);
  if (actFailures.length) out.push(`  activity failures: ${tally(actFailures)}`);
  if (wftFailures.length) out.push(`  workflow task failures: ${tally(wftFailures)}`);
  return out;
}

/** The hot SKU's stock must equal its start minus one unit per order still holding a reservation. */
async function checkConsistency(sys: System, sku: string, startingStock: number): Promise<string[]> {
  const db = sys.ctx.db;
  const out: string[] = [];
  const byStatus = (await db('orders')
    .join('order_lines', 'order_lines.order_number', 'orders.order_number')
    .where('order_lines.sku', sku)
    .groupBy('orders.status')
    .select('orders.status')
    .count({ n: '*' })) as Array<{ status: string; n: string | number }>;
  out.push(`read model for the checkout SKU: orders by status ${byStatus.map((r) => `${r.status}×${r.n}`).join(', ') || 'none'}`);
  const row = await db('skus').where({ sku }).first('available');
  const [{ reserved }] = await db('stock_ledger').where({ sku }).sum({ reserved: 'quantity' });
  const expected = startingStock + Number(reserved ?? 0);
  out.push(`stock of ${sku}: ${row?.available} available, ledger says ${expected}${row?.available === expected ? ' (consistent)' : ' (MISMATCH)'}`);
  const webhooks = (await db('webhook_events').groupBy('status').select('status').count({ n: '*' })) as Array<{ status: string; n: string | number }>;
  if (webhooks.length) out.push(`webhook events: ${webhooks.map((r) => `${r.status}×${r.n}`).join(', ')}`);
  return out;
}

const watchdogMs = intEnv('BENCH_TIMEOUT_MS', 30 * 60_000, 1);
const watchdog = setTimeout(() => {
  say(`gave up after ${fmtS(watchdogMs)}`);
  process.exit(1);
}, watchdogMs);
watchdog.unref();

main().then(
  () => process.exit(0),
  (err: Error) => {
    say(`failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
