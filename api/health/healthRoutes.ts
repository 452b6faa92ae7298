import { Router, type Request, type Response } from 'express';
import { requireMetricsToken } from '../metricsRoutes';
import type { ApiContext } from '../context';
import { checkHealth } from '../../domain/health/health';

const startedAt = new Date();

export function healthRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** Liveness: the process answers. Restarting it would not fix a dependency, so dependencies are not asked. */
  router.get('/api/health/live', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'alive', pid: process.pid, startedAt: startedAt.toISOString(), uptimeSeconds: Math.round(process.uptime()) });
  });

  /**
   * Readiness: can this instance take orders? Without Redis it can (degraded); without PostgreSQL, Temporal
   * or a worker it cannot. Public: the overall answer only. The dependencies, latencies and their errors
   * (hosts, task queues) need METRICS_TOKEN or an admin key, as /metrics does.
   */
  const detailed = requireMetricsToken(ctx);
  const ready = async (req: Request, res: Response) => {
    const health = await checkHealth(ctx);
    res.status(health.canTakeOrders ? 200 : 503).set('Cache-Control', 'no-store');
    if (req.header('Authorization') === undefined) {
      res.json({ status: health.status, canTakeOrders: health.canTakeOrders, checkedAt: health.checkedAt });
      return;
    }
    const status = res.statusCode;
    await new Promise<void>((resolve, reject) => {
      Promise.resolve(detailed(req, res, (err?: unknown) => (err ? reject(err) : resolve()))).catch(reject);
    });
    res.status(status).json(health);
  };
  router.get('/api/health/ready', ready);
  router.get('/api/health', ready);
  return router;
}
