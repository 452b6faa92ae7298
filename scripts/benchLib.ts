/**
 * Helpers for scripts/bench.ts: statistics, a bounded-concurrency runner, formatting and a reading of
 * workflow histories. Only Node built-ins and Temporal's time helpers here: the project's own modules
 * create their logger at import time, so bench.ts loads them after it has set the environment.
 */
import { performance } from 'node:perf_hooks';
import { tsToMs } from '@temporalio/common/lib/time';

export interface Summary {
  count: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarise(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return {
    count: s.length,
    median: median(s),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1] : Number.NaN,
    min: s.length ? s[0] : Number.NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN,
  };
}

export const fmtMs = (ms: number): string => (Number.isNaN(ms) ? 'n/a' : ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);
export const fmtS = (ms: number): string => (Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
export const fmtMb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function intEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; results in index order. */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      results[i] = await task(i);
    }
  });
  await Promise.all(lanes);
  return results;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects after `ms` so a stuck stop() cannot keep the benchmark from exiting. */
export function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      timer.unref();
    }),
  ]);
}

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export function memory(): MemorySnapshot {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

/** Counts of a list of labels, e.g. HTTP statuses: "201×200, 503×2". */
export function tally(labels: Array<string | number>): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(String(l), (counts.get(String(l)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`).join(', ');
}

// ---- Workflow histories -------------------------------------------------------------------------------

/** The parts of a Temporal history event this reading needs (the SDK's IHistoryEvent, loosely). */
export interface HistoryEventLike {
  eventId?: unknown;
  eventTime?: Parameters<typeof tsToMs>[0];
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskFailedEventAttributes?: { scheduledEventId?: unknown; failure?: { message?: string | null } | null } | null;
  activityTaskTimedOutEventAttributes?: { scheduledEventId?: unknown } | null;
  workflowTaskScheduledEventAttributes?: unknown;
  workflowTaskStartedEventAttributes?: unknown;
  workflowTaskCompletedEventAttributes?: unknown;
  workflowTaskFailedEventAttributes?: { cause?: unknown; failure?: { message?: string | null } | null } | null;
  workflowTaskTimedOutEventAttributes?: unknown;
  workflowExecutionStartedEventAttributes?: unknown;
  workflowExecutionUpdateAcceptedEventAttributes?: unknown;
  workflowExecutionUpdateCompletedEventAttributes?: unknown;
}

export interface CheckoutTrace {
  /** Workflow started → checkout update completed, as Temporal recorded it. */
  startToUpdateCompletedMs?: number;
  /** Per activity: queue wait (scheduled → started of the last attempt) and run time (started → closed). */
  activities: Array<{ name: string; queueMs: number; runMs: number; attempts: number }>;
  /** Workflow tasks up to the update's completion: queue wait and run time. */
  workflowTasks: Array<{ queueMs: number; runMs: number }>;
  activityFailures: string[];
  workflowTaskFailures: string[];
}

const idOf = (v: unknown): string => String(v ?? '');

/** Reads the checkout part of an order workflow's history: where the time between start and the 201 went. */
export function traceCheckout(events: HistoryEventLike[]): CheckoutTrace {
  const at = (e: HistoryEventLike) => tsToMs(e.eventTime);
  const trace: CheckoutTrace = { activities: [], workflowTasks: [], activityFailures: [], workflowTaskFailures: [] };
  const scheduled = new Map<string, { name: string; at: number }>();
  const started = new Map<string, { at: number; attempt: number }>();
  let wfStart: number | undefined;
  let wftScheduled: number | undefined;
  let wftStarted: number | undefined;
  let done = false;
  for (const e of events) {
    const id = idOf(e.eventId);
    if (e.workflowExecutionStartedEventAttributes) wfStart = at(e);
    else if (e.workflowTaskScheduledEventAttributes) wftScheduled = at(e);
    else if (e.workflowTaskStartedEventAttributes) wftStarted = at(e);
    else if (e.workflowTaskCompletedEventAttributes) {
      if (!done && wftScheduled !== undefined && wftStarted !== undefined) trace.workflowTasks.push({ queueMs: wftStarted - wftScheduled, runMs: at(e) - wftStarted });
    } else if (e.workflowTaskFailedEventAttributes) {
      trace.workflowTaskFailures.push(`${String(e.workflowTaskFailedEventAttributes.cause)}: ${e.workflowTaskFailedEventAttributes.failure?.message ?? ''}`);
    } else if (e.workflowTaskTimedOutEventAttributes) {
      trace.workflowTaskFailures.push('workflow task timed out');
    } else if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(id, { name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at: at(e) });
    } else if (e.activityTaskStartedEventAttributes) {
      started.set(idOf(e.activityTaskStartedEventAttributes.scheduledEventId), { at: at(e), attempt: e.activityTaskStartedEventAttributes.attempt ?? 1 });
    } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      const sid = idOf(a?.scheduledEventId);
      const s = scheduled.get(sid);
      const st = started.get(sid);
      if (e.activityTaskFailedEventAttributes) trace.activityFailures.push(`${s?.name}: ${e.activityTaskFailedEventAttributes.failure?.message ?? 'failed'}`);
      if (e.activityTaskTimedOutEventAttributes) trace.activityFailures.push(`${s?.name}: timed out`);
      if (!done && s && st) trace.activities.push({ name: s.name, queueMs: st.at - s.at, runMs: at(e) - st.at, attempts: st.attempt });
    } else if (e.workflowExecutionUpdateCompletedEventAttributes && !done) {
      if (wfStart !== undefined) trace.startToUpdateCompletedMs = at(e) - wfStart;
      done = true;
    }
  }
  return trace;
}

/** Each fired timer of a history: what the workflow asked for and when Temporal actually fired it. */
export function timerLags(events: Array<HistoryEventLike & { timerStartedEventAttributes?: { timerId?: string | null; startToFireTimeout?: unknown } | null; timerFiredEventAttributes?: { timerId?: string | null } | null }>): Array<{ requestedMs: number; actualMs: number }> {
  const started = new Map<string, { at: number; requestedMs: number }>();
  const out: Array<{ requestedMs: number; actualMs: number }> = [];
  for (const e of events) {
    if (e.timerStartedEventAttributes) {
      started.set(String(e.timerStartedEventAttributes.timerId), { at: tsToMs(e.eventTime), requestedMs: tsToMs(e.timerStartedEventAttributes.startToFireTimeout as Parameters<typeof tsToMs>[0]) });
    } else if (e.timerFiredEventAttributes) {
      const s = started.get(String(e.timerFiredEventAttributes.timerId));
      if (s) out.push({ requestedMs: s.requestedMs, actualMs: tsToMs(e.eventTime) - s.at });
    }
  }
  return out;
}
