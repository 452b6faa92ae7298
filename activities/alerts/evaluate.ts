import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { checkHealth } from '../../domain/health/health';
import type { Db } from '../../db/connection';
import { type Config, msOf } from '../../lib/config';
import { logger } from '../../lib/logger';
import { type AlertDeps, announceUnrecorded, clearUnrecorded } from './deliver';
import { DATABASE_DOWN_KEY, type RuleContext, type RuleSettings, RULES } from './rules';
import { ALERT_RULES, type AlertEvaluation, type AlertEvaluationInput, type AlertFinding, type AlertRuleName, type PlannedDelivery } from '../../domain/alerts/types';

/** Announcements planned per evaluation; a storm beyond this goes out over the next intervals. */
export const MAX_DELIVERIES_PER_EVALUATION = 200;

const isDuration = (v: string): boolean => {
  try {
    return msOf(v) > 0;
  } catch {
    return false;
  }
};

const inputSchema = z
  .object({
    rules: z.array(z.enum(ALERT_RULES)).min(1).optional(),
    window: z.string().refine(isDuration, 'a duration such as "15 minutes"').optional(),
    failureRate: z.number().min(0).max(1).optional(),
    minEvents: z.number().int().min(1).optional(),
  })
  .strict();

export function ruleSettings(config: Config, input: AlertEvaluationInput = {}): RuleSettings {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    // The same input fails the same way on every attempt.
    throw ApplicationFailure.create({ message: `invalid alert evaluation input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, type: 'InvalidAlertInput', nonRetryable: true });
  }
  const warehouse = msOf(config.ALERT_STUCK_IN_WAREHOUSE);
  return {
    windowMs: msOf(parsed.data.window ?? config.ALERT_WINDOW),
    failureRate: parsed.data.failureRate ?? config.ALERT_FAILURE_RATE,
    minEvents: parsed.data.minEvents ?? config.ALERT_MIN_EVENTS,
    stuckAfterMs: {
      AWAITING_PAYMENT: msOf(config.ALERT_STUCK_AWAITING_PAYMENT),
      PAID: warehouse,
      PROCESSING: warehouse,
      PICKING: warehouse,
      PACKED: warehouse,
      SHIPPED: msOf(config.ALERT_STUCK_SHIPPED),
    },
  };
}

/**
 * The API's health checks (domain/health), run from the worker with the worker's own Temporal client. They only
 * read config, db, redis and temporal; without a Redis client here, Redis is not judged at all.
 */
function healthProbe(deps: AlertDeps): RuleContext['health'] {
  return async () => {
    const temporal = Context.current().client;
    const result = await checkHealth({ config: deps.config, db: deps.db, temporal, redis: deps.redis });
    if (deps.redis) return result;
    const { redis: _unjudged, ...dependencies } = result.dependencies;
    return { ...result, dependencies };
  };
}

/** Serialises evaluations (a scheduled run and a manual one) so one never resolves what the other just fired. */
const ALERTS_LOCK = "hashtext('dy-orders:alerts')";

interface Reconciled {
  newlyFiring: string[];
  resolved: string[];
  deliveries: PlannedDelivery[];
}

/**
 * Writes one evaluation's verdict: reported keys are inserted (first time, or back after being resolved: a
 * new episode) or just marked seen; firing alerts of the evaluated rules that were not reported are resolved.
 * Idempotent, so a retried activity changes nothing but last_seen_at.
 */
async function reconcile(db: Db, findings: AlertFinding[], evaluatedRules: AlertRuleName[]): Promise<Reconciled> {
  return db.transaction(async (trx) => {
    await trx.raw(`select pg_advisory_xact_lock(${ALERTS_LOCK})`);
    let newlyFiring: string[] = [];
    if (findings.length > 0) {
      // now() is the transaction's start: a row whose first_fired_at equals it started firing right here.
      const upserted = await trx.raw(
        `insert into alerts (key, rule, severity, status, summary, details)
         select f.key, f.rule, f.severity, 'firing', f.summary, f.details::jsonb
           from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) as f(key, rule, severity, summary, details)
         on conflict (key) do update set
           rule = excluded.rule,
           severity = excluded.severity,
           summary = excluded.summary,
           details = excluded.details,
           last_seen_at = now(),
           status = 'firing',
           episode = case when alerts.status = 'resolved' then alerts.episode + 1 else alerts.episode end,
           first_fired_at = case when alerts.status = 'resolved' then now() else alerts.first_fired_at end,
           resolved_at = case when alerts.status = 'resolved' then null else alerts.resolved_at end,
           notified_at = case when alerts.status = 'resolved' then null else alerts.notified_at end,
           resolved_notified_at = case when alerts.status = 'resolved' then null else alerts.resolved_notified_at end,
           deliveries = case when alerts.status = 'resolved' then '{}'::jsonb else alerts.deliveries end
         returning key, first_fired_at = now() as fresh`,
        [findings.map((f) => f.key), findings.map((f) => f.rule), findings.map((f) => f.severity), findings.map((f) => f.summary), findings.map((f) => JSON.stringify(f.details))],
      );
      newlyFiring = (upserted.rows as Array<{ key: string; fresh: boolean }>).filter((r) => r.fresh).map((r) => r.key);
    }
    const resolved: string[] = [];
    if (evaluatedRules.length > 0) {
      const cleared = await trx.raw(
        `update alerts set status = 'resolved', resolved_at = now()
          where status = 'firing' and rule = any(?::text[]) and not (key = any(?::text[]))
          returning key`,
        [evaluatedRules, findings.map((f) => f.key)],
      );
      resolved.push(...(cleared.rows as Array<{ key: string }>).map((r) => r.key));
    }
    // Everything still owed, not only this evaluation's: a delivery released by an earlier run is retried here.
    // The all-clear goes to whoever may have heard of the alert (claimed, or any channel reached); an alert
    // resolved before anyone heard of it gets none.
    const toFire = await trx('alerts')
      .where({ status: 'firing' })
      .whereNull('notified_at')
      .orderByRaw("severity = 'critical' desc, id")
      .limit(MAX_DELIVERIES_PER_EVALUATION)
      .select('id', 'key', 'episode');
    const toClear = await trx('alerts')
      .where({ status: 'resolved' })
      .whereNull('resolved_notified_at')
      .where((q) => q.whereNotNull('notified_at').orWhereRaw("deliveries -> 'fired' -> 'channels' <> '{}'::jsonb"))
      .orderBy('id')
      .limit(Math.max(0, MAX_DELIVERIES_PER_EVALUATION - toFire.length))
      .select('id', 'key', 'episode');
    const deliveries: PlannedDelivery[] = [
      ...toFire.map((r) => ({ alertId: r.id as number, key: r.key as string, phase: 'fired' as const, episode: r.episode as number })),
      ...toClear.map((r) => ({ alertId: r.id as number, key: r.key as string, phase: 'resolved' as const, episode: r.episode as number })),
    ];
    return { newlyFiring, resolved, deliveries };
  });
}

/** Runs the rules, records the verdict, and returns the announcements owed; the workflow sends them. */
export async function evaluateAlerts(deps: AlertDeps, input: AlertEvaluationInput = {}): Promise<AlertEvaluation> {
  const settings = ruleSettings(deps.config, input);
  const wanted: AlertRuleName[] = input.rules ? [...new Set(input.rules)] : [...ALERT_RULES];
  const ctx: RuleContext = { db: deps.db, settings, health: healthProbe(deps) };
  const outcomes: Array<{ rule: AlertRuleName; findings?: AlertFinding[]; error?: string }> = await Promise.all(
    wanted.map(async (rule) => {
      try {
        return { rule, findings: await RULES[rule](ctx) };
      } catch (err) {
        return { rule, error: (err as Error).message.slice(0, 500) };
      }
    }),
  );
  const evaluatedRules = outcomes.filter((o) => o.findings).map((o) => o.rule);
  const failedRules = outcomes.flatMap((o) => (o.error !== undefined ? [{ rule: o.rule, error: o.error }] : []));
  if (failedRules.length > 0) logger.warn({ failedRules }, 'alert rules could not be evaluated; their alerts are left as they are');
  // A rule reporting one key twice would make the upsert touch a row twice in one statement.
  const findings = [...new Map(outcomes.flatMap((o) => o.findings ?? []).map((f) => [f.key, f])).values()];
  const firing = findings.map((f) => f.key);

  let reconciled: Reconciled;
  try {
    reconciled = await reconcile(deps.db, findings, evaluatedRules);
  } catch (err) {
    const databaseDown = findings.find((f) => f.key === DATABASE_DOWN_KEY);
    if (!databaseDown) throw err;
    const announced = await announceUnrecorded(deps, databaseDown);
    return { evaluatedRules, failedRules, firing, newlyFiring: announced ? [databaseDown.key] : [], resolved: [], deliveries: [], unrecorded: [{ key: databaseDown.key, phase: 'fired', announced }] };
  }
  // The database answered, so an earlier "database is down" (if any) can be cleared.
  const cleared = await clearUnrecorded(deps, new Set(firing));
  return {
    evaluatedRules,
    failedRules,
    firing,
    newlyFiring: reconciled.newlyFiring,
    resolved: [...reconciled.resolved, ...cleared],
    deliveries: reconciled.deliveries,
    unrecorded: cleared.map((key) => ({ key, phase: 'resolved' as const, announced: true })),
  };
}
