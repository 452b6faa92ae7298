import { type Request, type Response, Router } from 'express';
import { msOf } from '../../lib/config';
import type { ApiContext } from '../context';
import { HttpError, validationError } from '../errors';
import { requireAdminToken } from '../admin/auth';
import { authoriseOrder } from '../orders/access';
import { clientKey } from '../security/rateLimits';
import type { OrderEvent } from './orderEventLog';
import { serveEventStream, serverOf, type StreamAudience } from './sseStream';
import { closeWithServer, streamHub, streamStats } from './streamHub';

function queryString(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Where to resume: the browser's `Last-Event-ID` on a reconnect, or `?lastEventId=` for a first connect
 * (EventSource cannot set headers). The header wins: it is the newer of the two on a reconnect.
 */
function resumePoint(req: Request): number | undefined {
  const header = req.header('Last-Event-ID');
  const value = header !== undefined && header !== '' ? header : queryString(req, 'lastEventId');
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw validationError([{ field: header ? 'Last-Event-ID' : 'lastEventId', message: 'must be the id of an event this stream sent' }]);
  }
  return Number(value.trim());
}

/**
 * Server-Sent Events of order events. Registered before the admin router, whose guard reads only the
 * Authorization header.
 */
export function streamRoutes(ctx: ApiContext): Router {
  const router = Router();
  const heartbeatMs = msOf(ctx.config.STREAM_HEARTBEAT);
  const maxLifetimeMs = msOf(ctx.config.SSE_MAX_LIFETIME);
  // Every order's events hold customers' data: admins only (sessions or admin-scoped keys), header only.
  const admins = requireAdminToken(ctx, []);
  const anyStaff = requireAdminToken(ctx, ['warehouse', 'support']);

  const serve = async (req: Request, res: Response, scope: { orderNumber?: string; after: number | undefined; audience?: StreamAudience; project?: (event: OrderEvent) => unknown }) => {
    const hub = streamHub(ctx);
    closeWithServer(ctx, serverOf(req));
    await serveEventStream(req, res, { db: ctx.db, feed: hub.feed, registry: hub.registry, heartbeatMs, maxLifetimeMs, client: clientKey(req), ...scope });
  };

  router.get('/api/orders/:orderId/stream', async (req, res) => {
    // The page's cookie (path /api/orders/<n>) covers the stream: EventSource and fetch send it unasked.
    const { orderNumber } = await authoriseOrder(ctx, req);
    // A customer's page builds its timeline from the stream, so a first connect replays the whole order.
    await serve(req, res, { orderNumber, after: resumePoint(req) ?? 0 });
  });

  router.get('/api/admin/stream', admins, async (req, res) => {
    // Every order since the beginning is too much to replay unasked: without an id the stream starts live.
    await serve(req, res, { after: resumePoint(req), audience: 'staff' });
  });

  router.get('/api/admin/stream/stats', admins, async (_req, res) => {
    res.json(streamStats(ctx));
  });

  /**
   * What the staff pages (the warehouse board, an order's page) need to refresh: that an order moved, and to
   * which status. No customer, no actor, no data: each page fetches what its role may see itself.
   */
  router.get('/api/staff/stream', anyStaff, async (req, res) => {
    await serve(req, res, { after: resumePoint(req), audience: 'staff', project: (e) => ({ id: e.id, orderNumber: e.orderNumber, type: e.type, fromStatus: e.fromStatus, toStatus: e.toStatus, occurredAt: e.occurredAt }) });
  });

  return router;
}
