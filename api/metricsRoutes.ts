import { Router, type RequestHandler } from 'express';
import { requireAdminToken } from './admin/auth';
import { HttpError } from './errors';
import client from 'prom-client';
import type { Db } from '../db/connection';
import { httpDuration, registry } from '../lib/metrics';
import { secretsMatch } from '../lib/secrets';
import type { ApiContext } from './context';

let ordersDb: Db | undefined;
/** Read from the read model at scrape time: the number that matters is now, not since this process started. */
new client.Gauge({
  name: 'dy_orders_by_status',
  help: 'Orders in the read model by current status',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    if (!ordersDb) return;
    this.reset();
    const rows: Array<{ status: string; n: string | number }> = await ordersDb('orders').select('status').count({ n: '*' }).groupBy('status');
    for (const r of rows) this.set({ status: String(r.status) }, Number(r.n));
  },
});

/** Latency by route pattern (never the raw path: order numbers would explode the label set). */
export const measureHttp: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  res.once('finish', () => {
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : req.path.startsWith('/api/') ? 'other' : 'static';
    end({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};

/**
 * For /metrics and the detailed health: METRICS_TOKEN as a bearer token (what a Prometheus scraper is
 * given), or an admin-scoped API key. Order counts, routes and dependency errors are for operators only.
 */
export function requireMetricsToken(ctx: ApiContext): RequestHandler {
  const admins = requireAdminToken(ctx, []);
  return (req, res, next) => {
    const bearer = /^Bearer (.+)$/.exec(req.header('Authorization') ?? '')?.[1];
    if (bearer && ctx.config.METRICS_TOKEN && secretsMatch(bearer, ctx.config.METRICS_TOKEN)) return next();
    if (!bearer) throw new HttpError(401, 'UNAUTHORISED', 'metrics need METRICS_TOKEN or an admin API key in the Authorization header (Bearer)');
    return admins(req, res, next);
  };
}

export function metricsRoutes(ctx: ApiContext): Router {
  ordersDb = ctx.db;
  const router = Router();
  router.get('/metrics', requireMetricsToken(ctx), async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return router;
}
