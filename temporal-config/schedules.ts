import { type Client, ScheduleAlreadyRunning, type ScheduleHandle, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { type Config, msOf } from '../lib/config';
import type { evaluateAlertsWorkflow } from '../workflows/alerts/evaluateAlertsWorkflow';

export const alertScheduleId = (taskQueue: string): string => `alerts-${taskQueue}`;

export interface EnsuredSchedule {
  handle: ScheduleHandle;
  outcome: 'created' | 'updated' | 'unchanged';
}

/**
 * The alert evaluation every ALERT_CHECK_INTERVAL, on the store's task queue. Safe to call from every worker
 * and from `npm start` at once: the first creates it, the others find it and align its interval and target.
 * A schedule an operator paused stays paused.
 */
export async function ensureAlertSchedule(client: Client, config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'ALERT_CHECK_INTERVAL'>): Promise<EnsuredSchedule> {
  const scheduleId = alertScheduleId(config.TEMPORAL_TASK_QUEUE);
  const every = msOf(config.ALERT_CHECK_INTERVAL);
  const action: ScheduleOptionsStartWorkflowAction<typeof evaluateAlertsWorkflow> = {
    type: 'startWorkflow',
    // By name: importing the workflow here would pull workflow-only code into the client processes.
    workflowType: 'evaluateAlertsWorkflow',
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // No arguments: thresholds come from the worker's configuration, so changing them needs no schedule update.
    args: [],
  };
  const policies = {
    // An evaluation still running means the next would only repeat it.
    overlap: ScheduleOverlapPolicy.SKIP,
    // After an outage one fresh evaluation is worth something; a backlog of stale ones is not.
    catchupWindow: 60_000,
  };
  try {
    const handle = await client.schedule.create({ scheduleId, spec: { intervals: [{ every }] }, action, policies });
    return { handle, outcome: 'created' };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe();
  const intervals = current.spec.intervals ?? [];
  const same =
    intervals.length === 1 &&
    intervals[0].every === every &&
    (current.spec.calendars ?? []).length === 0 &&
    current.action.workflowType === action.workflowType &&
    current.action.taskQueue === action.taskQueue &&
    current.policies.overlap === policies.overlap;
  if (same) return { handle, outcome: 'unchanged' };
  await handle.update((previous) => ({
    spec: { intervals: [{ every }] },
    action,
    policies,
    state: { paused: previous.state.paused, note: previous.state.note },
  }));
  return { handle, outcome: 'updated' };
}
