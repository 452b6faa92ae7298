import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type Redis from 'ioredis';
import type { Db } from '../../db/connection';
import type { Config } from '../../lib/config';

/**
 * What a health check reads. The API passes its context; the worker's alert evaluation passes its own clients,
 * so both judge the store by the same probes.
 */
export interface HealthDeps {
  config: Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE'>;
  db: Db;
  temporal: Pick<Client, 'connection'>;
  /** Without a client Redis counts as down: a caller that has none drops that entry from the answer. */
  redis?: Redis;
}

export interface DependencyHealth {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
  detail?: Record<string, unknown>;
}

async function timed(timeoutMs: number, probe: () => Promise<Record<string, unknown> | void>): Promise<DependencyHealth> {
  const started = performance.now();
  try {
    const detail = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  }
}

/** Pollers seen within this window count as live workers. */
const WORKER_FRESH_MS = 90_000;

/**
 * Orders can be taken with PostgreSQL, Temporal and a worker. Redis only speeds things up: without it the
 * store is degraded, not down.
 */
export async function checkHealth(ctx: HealthDeps) {
  const [database, redis, temporalServer, workers] = await Promise.all([
    timed(3000, async () => {
      await ctx.db.raw('select 1');
    }),
    timed(1500, async () => {
      if (!ctx.redis) throw new Error('no Redis client');
      if (ctx.redis.status !== 'ready') throw new Error(`connection ${ctx.redis.status}`);
      await ctx.redis.ping();
    }),
    // The race outlasts the RPC's own deadline, so no retry timer of the gRPC client is left behind.
    timed(3500, async () => {
      await ctx.temporal.connection.withDeadline(Date.now() + 3000, () => ctx.temporal.connection.workflowService.getSystemInfo({}));
    }),
    timed(3500, async () => {
      const response = await ctx.temporal.connection.withDeadline(Date.now() + 3000, () =>
        ctx.temporal.connection.workflowService.describeTaskQueue({
          namespace: ctx.config.TEMPORAL_NAMESPACE,
          taskQueue: { name: ctx.config.TEMPORAL_TASK_QUEUE },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const now = Date.now();
      const live = (response.pollers ?? []).filter((p) => {
        const seconds = Number(p.lastAccessTime?.seconds ?? 0);
        return now - seconds * 1000 < WORKER_FRESH_MS;
      });
      if (live.length === 0) throw new Error(`no worker is polling task queue ${ctx.config.TEMPORAL_TASK_QUEUE}`);
      return { pollers: live.length, taskQueue: ctx.config.TEMPORAL_TASK_QUEUE };
    }),
  ]);
  const essential = { database, temporal: temporalServer, workers };
  const down = Object.entries(essential).filter(([, h]) => h.status === 'down').map(([name]) => name);
  const status = down.length > 0 ? 'down' : redis.status === 'down' ? 'degraded' : 'ok';
  return {
    status,
    canTakeOrders: down.length === 0,
    degraded: redis.status === 'down' ? ['redis'] : [],
    down,
    dependencies: { database, redis, temporal: temporalServer, workers },
    checkedAt: new Date().toISOString(),
  };
}
