import type { Knex } from 'knex';
import type { Db } from '../../db/connection';
import type { DependencyHealth } from '../../domain/health/health';
import type { AlertFinding, AlertRuleName } from '../../domain/alerts/types';

/** Thresholds of one evaluation: the configuration, possibly overridden by the workflow's input. */
export interface RuleSettings {
  windowMs: number;
  failureRate: number;
  minEvents: number;
  /** How long an order may sit in each watched status. */
  stuckAfterMs: Partial<Record<string, number>>;
}

export interface RuleContext {
  db: Db;
  settings: RuleSettings;
  /** The API's own dependency checks, run from the worker. */
  health: () => Promise<{ dependencies: Record<string, DependencyHealth> }>;
}

export type Rule = (ctx: RuleContext) => Promise<AlertFinding[]>;

/** Failed tracking states a parcel does not come back from without a person. */
const CARRIER_EXCEPTIONS = ['FAILURE', 'RETURNED_TO_SENDER'];
/** Tracking states that end a parcel's journey, good or bad: the denominator of the exception rate. */
const CARRIER_FINAL = ['DELIVERED', ...CARRIER_EXCEPTIONS];

export const DATABASE_DOWN_KEY = 'dependency:database';

/** The window is measured by the database's clock, the same clock that stamped the rows. */
export function ago(db: Db | Knex.Transaction, ms: number): Knex.Raw {
  return db.raw("now() - (?::double precision * interval '1 millisecond')", [ms]);
}

/** 2_700_000 → "45m", 86_400_000 → "24h", 604_800_000 → "7d", 1_000 → "1s". */
export function shortDuration(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`;
}

const percent = (rate: number): string => `${Math.round(rate * 1000) / 10}%`;

/**
 * A rate alert only with enough events to mean something: one failure out of two is noise, not an outage.
 * At least one failure is required too, so a threshold of 0 cannot fire on a clean window.
 */
export function rateFinding(
  s: RuleSettings,
  p: { key: string; rule: AlertRuleName; severity: AlertFinding['severity']; what: string; failed: number; total: number; of: string },
): AlertFinding[] {
  if (p.total < s.minEvents || p.failed === 0) return [];
  const rate = p.failed / p.total;
  if (rate < s.failureRate) return [];
  return [
    {
      key: p.key,
      rule: p.rule,
      severity: p.severity,
      summary: `${p.what} at ${percent(rate)} (${p.failed} of ${p.total} ${p.of}) in the last ${shortDuration(s.windowMs)}`,
      details: { failed: p.failed, total: p.total, rate: Math.round(rate * 10_000) / 10_000, threshold: s.failureRate, minEvents: s.minEvents, windowMs: s.windowMs },
    },
  ];
}

const count = (v: unknown): number => Number(v ?? 0);

/** One alert per order, keyed by its status too: an order that moves on and then stalls again is a new alert. */
const stuckOrders: Rule = async ({ db, settings }) => {
  const limits = Object.entries(settings.stuckAfterMs).filter((e): e is [string, number] => typeof e[1] === 'number');
  if (limits.length === 0) return [];
  const rows: Array<{ order_number: string; status: string; updated_at: Date }> = await db('orders')
    .where((q) => {
      for (const [status, ms] of limits) q.orWhere((b) => b.where('status', status).where('updated_at', '<', ago(db, ms)));
    })
    .orderBy('updated_at')
    .select('order_number', 'status', 'updated_at');
  return rows.map((r) => {
    const limitMs = settings.stuckAfterMs[r.status] as number;
    const since = new Date(r.updated_at).toISOString();
    return {
      key: `stuck:${r.order_number}:${r.status}`,
      rule: 'stuck_orders',
      severity: r.status === 'AWAITING_PAYMENT' ? 'warning' : 'critical',
      summary: `Order ${r.order_number} stuck in ${r.status} for over ${shortDuration(limitMs)}`,
      details: { orderNumber: r.order_number, status: r.status, since, limitMs },
    };
  });
};

/**
 * Stripe's verdicts in the window, read from the order event log: an order leaving AWAITING_PAYMENT for PAID,
 * or for CANCELLED because the payment failed. Not from `payments`: a failed intent is cancelled right after,
 * and its row then says `canceled`, hiding the failure.
 */
const paymentFailureRate: Rule = async ({ db, settings }) => {
  const [row] = await db('order_events')
    .where({ type: 'status_changed', from_status: 'AWAITING_PAYMENT' })
    .where('occurred_at', '>=', ago(db, settings.windowMs))
    .where((q) => q.where({ to_status: 'PAID' }).orWhere({ to_status: 'CANCELLED', reason: 'PAYMENT_FAILED' }))
    .select(db.raw("count(*) filter (where to_status = 'CANCELLED') as failed"), db.raw('count(*) as total'));
  return rateFinding(settings, { key: 'payment_failure_rate', rule: 'payment_failure_rate', severity: 'critical', what: 'Payment failures', failed: count(row?.failed), total: count(row?.total), of: 'payments' });
};

const carrierExceptionRate: Rule = async ({ db, settings }) => {
  const [row] = await db('order_events')
    .where({ type: 'tracking_updated' })
    .where('occurred_at', '>=', ago(db, settings.windowMs))
    .whereRaw("data->>'status' = any(?)", [CARRIER_FINAL])
    .select(db.raw("count(*) filter (where data->>'status' = any(?)) as failed", [CARRIER_EXCEPTIONS]), db.raw('count(*) as total'));
  return rateFinding(settings, { key: 'carrier_exception_rate', rule: 'carrier_exception_rate', severity: 'warning', what: 'Carrier exceptions', failed: count(row?.failed), total: count(row?.total), of: 'parcels that reached a final status' });
};

/** Messages that finally failed (retries spent) against those delivered; pending ones have no verdict yet. */
const notificationFailureRate: Rule = async ({ db, settings }) => {
  const [row] = await db('notifications')
    .whereIn('status', ['failed', 'sent'])
    .where('updated_at', '>=', ago(db, settings.windowMs))
    .select(db.raw("count(*) filter (where status = 'failed') as failed"), db.raw('count(*) as total'));
  return rateFinding(settings, { key: 'notification_failure_rate', rule: 'notification_failure_rate', severity: 'warning', what: 'Notification failures', failed: count(row?.failed), total: count(row?.total), of: 'messages' });
};

/** Any failed Stripe event is worth a look: it is a payment, refund or dispute the store has not acted on. */
const webhookFailures: Rule = async ({ db, settings }) => {
  const rows: Array<{ event_id: string; type: string }> = await db('webhook_events')
    .where({ status: 'failed' })
    .where('received_at', '>=', ago(db, settings.windowMs))
    .orderBy('received_at', 'desc')
    .select('event_id', 'type');
  if (rows.length === 0) return [];
  return [
    {
      key: 'webhook_failures',
      rule: 'webhook_failures',
      severity: 'critical',
      summary: `${rows.length} Stripe webhook event${rows.length === 1 ? '' : 's'} failed in the last ${shortDuration(settings.windowMs)}`,
      details: { count: rows.length, eventIds: rows.slice(0, 20).map((r) => r.event_id), types: [...new Set(rows.map((r) => r.type))], windowMs: settings.windowMs },
    },
  ];
};

/** Redis only slows the store down (streams fall back to the log); the others stop it taking orders. */
const DEPENDENCY_SEVERITY: Record<string, AlertFinding['severity']> = { database: 'critical', temporal: 'critical', workers: 'critical', redis: 'warning' };
const DEPENDENCY_NAME: Record<string, string> = { database: 'PostgreSQL', temporal: 'Temporal', workers: 'Order workers', redis: 'Redis' };

const dependencyDown: Rule = async ({ health }) => {
  const { dependencies } = await health();
  return Object.entries(dependencies)
    .filter(([name, h]) => h.status === 'down' && name in DEPENDENCY_SEVERITY)
    .map(([name, h]) => ({
      key: `dependency:${name}`,
      rule: 'dependency_down' as const,
      severity: DEPENDENCY_SEVERITY[name],
      // The error stays out of the summary: it varies between checks, and the summary is what admins see once.
      summary: `${DEPENDENCY_NAME[name]} is down`,
      details: { dependency: name, error: h.error ?? null, latencyMs: h.latencyMs },
    }));
};

export const RULES: Record<AlertRuleName, Rule> = {
  stuck_orders: stuckOrders,
  payment_failure_rate: paymentFailureRate,
  carrier_exception_rate: carrierExceptionRate,
  notification_failure_rate: notificationFailureRate,
  webhook_failures: webhookFailures,
  dependency_down: dependencyDown,
};
