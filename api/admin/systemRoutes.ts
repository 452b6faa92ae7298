import { Router } from 'express';
import { ORDER_STATUSES } from '../../workflows/orders/definitions';
import type { ApiContext } from '../context';
import { checkHealth } from '../../domain/health/health';
import { errorSchema, registry } from '../schemas';
import { requireAdminToken } from './auth';

/**
 * Orders per status from the read model, for the system page. Every known status is listed, zero included, in
 * the order an order lives through them, so the page's table keeps its shape as counts come and go; a status
 * the read model holds that this build does not know (an older or newer writer) is listed after them.
 */
export function systemRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get('/api/admin/system/orders-by-status', requireAdminToken(ctx), async (_req, res) => {
    const rows: Array<{ status: string; count: string | number }> = await ctx.db('orders').select('status').count({ count: '*' }).groupBy('status');
    const counted = new Map(rows.map((r) => [r.status, Number(r.count)]));
    const known = new Set<string>(ORDER_STATUSES);
    const statuses = [...ORDER_STATUSES, ...[...counted.keys()].filter((s) => !known.has(s)).sort()];
    const counts = statuses.map((status) => ({ status, count: counted.get(status) ?? 0 }));
    res.set('Cache-Control', 'no-store').json({ counts, total: counts.reduce((sum, c) => sum + c.count, 0), countedAt: new Date().toISOString() });
  });
  // The public readiness answer is the overall status only; the system page's admins see every dependency.
  router.get('/api/admin/system/health', requireAdminToken(ctx), async (_req, res) => {
    const health = await checkHealth(ctx);
    res.status(health.canTakeOrders ? 200 : 503).set('Cache-Control', 'no-store').json(health);
  });
  return router;
}

registry.registerPath({
  method: 'get',
  path: '/api/admin/system/orders-by-status',
  security: [{ adminToken: [] as string[] }, { staffSession: [] as string[] }],
  summary: 'How many orders are in each status (the orders read model; every status listed, zeros included). Role admin',
  responses: {
    200: { description: '{ counts: [{ status, count }], total, countedAt }' },
    401: { description: 'not signed in', content: { 'application/json': { schema: errorSchema } } },
    403: { description: 'not an admin', content: { 'application/json': { schema: errorSchema } } },
  },
});

registry.registerPath({
  method: 'get',
  path: '/api/admin/system/health',
  security: [{ adminToken: [] as string[] }, { staffSession: [] as string[] }],
  summary: 'Readiness in detail: each dependency with its status, latency and error (503 with the same report when orders cannot be taken). Role admin',
  responses: {
    200: { description: 'the health report' },
    401: { description: 'not signed in', content: { 'application/json': { schema: errorSchema } } },
    403: { description: 'not an admin', content: { 'application/json': { schema: errorSchema } } },
    503: { description: 'orders cannot be taken; the same report' },
  },
});
