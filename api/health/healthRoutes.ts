import { Router } from 'express';
import type { ApiContext } from '../context';
import { checkHealth } from './health';

const startedAt = new Date();

export function healthRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** Liveness: the process answers. Restarting it would not fix a dependency, so dependencies are not asked. */
  router.get('/api/health/live', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'alive', pid: process.pid, startedAt: startedAt.toISOString(), uptimeSeconds: Math.round(process.uptime()) });
  });

  /** Readiness: can this instance take orders? Without Redis it can (degraded); without PostgreSQL, Temporal or a worker it cannot. */
  const ready = async (_req: unknown, res: import('express').Response) => {
    const health = await checkHealth(ctx);
    res.status(health.canTakeOrders ? 200 : 503).set('Cache-Control', 'no-store').json(health);
  };
  router.get('/api/health/ready', ready);
  router.get('/api/health', ready);
  return router;
}
