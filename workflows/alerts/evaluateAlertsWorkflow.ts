import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AlertDelivery, AlertDeliveryResult, AlertEvaluationInput, AlertEvaluationResult, PlannedDelivery } from '../../domain/alerts/types';

export const EVALUATE_ALERTS_WORKFLOW = 'evaluateAlertsWorkflow';

/** Enough at once to clear a burst quickly, few enough not to open hundreds of SMTP connections. */
const PARALLEL_DELIVERIES = 10;
/**
 * No new batch starts after this: with overlap SKIP, a run stuck retrying a dead mail server would hold back
 * every following evaluation. What is left stays unclaimed for the next run.
 */
const DELIVERY_BUDGET_MS = 5 * 60_000;

// Bounded retries everywhere: the next scheduled run is the real retry, and a run must end to let it start.
const { evaluateAlerts } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidAlertInput'] },
});
const { deliverAlert } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});
const { releaseAlertClaim } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 10 } });

/**
 * One pass of alerting, started by the `alerts-<taskQueue>` schedule every ALERT_CHECK_INTERVAL (or directly,
 * with threshold overrides). The activity decides and records what fires and what clears; each announcement
 * is then its own activity, so one failing channel retries alone.
 */
export async function evaluateAlertsWorkflow(input: AlertEvaluationInput = {}): Promise<AlertEvaluationResult> {
  const evaluation = await evaluateAlerts(input);
  const { workflowId, runId } = workflowInfo();
  const deadline = Date.now() + DELIVERY_BUDGET_MS;
  const results: AlertDeliveryResult[] = [];
  let next = 0;
  while (next < evaluation.deliveries.length && Date.now() < deadline) {
    const batch = evaluation.deliveries.slice(next, next + PARALLEL_DELIVERIES);
    next += batch.length;
    results.push(...(await Promise.all(batch.map((planned) => deliver({ ...planned, owner: ownerOf(workflowId, runId, planned) })))));
  }
  const { deliveries: _planned, ...rest } = evaluation;
  return { ...rest, deliveries: results, deferred: evaluation.deliveries.length - next };
}

function ownerOf(workflowId: string, runId: string, d: PlannedDelivery): string {
  return `${workflowId}/${runId}/${d.phase}/${d.alertId}/${d.episode}`;
}

async function deliver(d: AlertDelivery): Promise<AlertDeliveryResult> {
  try {
    return await deliverAlert(d);
  } catch (err) {
    const error = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    log.warn('alert delivery gave up; released for the next evaluation', { key: d.key, phase: d.phase, error });
    await releaseAlertClaim(d);
    return { key: d.key, phase: d.phase, status: 'failed', error };
  }
}
