import { Router } from 'express';
import type { ApiContext } from '../context';
import { checkHealth } from './health';

export function healthRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    const health = await checkHealth(ctx);
    res.status(health.canTakeOrders ? 200 : 503).set('Cache-Control', 'no-store').json(health);
  });
  return router;
}
