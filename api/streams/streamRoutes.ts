import { timingSafeEqual } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { msOf } from '../../lib/config';
import type { ApiContext } from '../context';
import { HttpError, validationError } from '../errors';
import { authoriseOrder } from '../orders/access';
import { serveEventStream, serverOf } from './sseStream';
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
 * EventSource cannot send an Authorization header, so admin streams also take `?token=` (it lands in access
 * logs). A staff session (any role) is enough on its own: staff pages follow the stream with their cookie.
 */
async function requireAdmin(ctx: ApiContext, req: Request): Promise<void> {
  const tokenGiven = req.header('Authorization') !== undefined || queryString(req, 'token') !== undefined;
  if (!tokenGiven && (await req.staffAuth?.resolve())) return;
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.header('Authorization') ?? '')?.[1] ?? queryString(req, 'token') ?? '');
  const expected = Buffer.from(ctx.config.ADMIN_API_TOKEN);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError(401, 'UNAUTHORISED', 'a valid admin bearer token is required');
  }
}

/**
 * Server-Sent Events of order events. Registered before the admin router, whose guard reads only the
 * Authorization header.
 */
export function streamRoutes(ctx: ApiContext): Router {
  const router = Router();
  const heartbeatMs = msOf(ctx.config.STREAM_HEARTBEAT);

  const serve = async (req: Request, res: Response, scope: { orderNumber?: string; after: number | undefined }) => {
    const hub = streamHub(ctx);
    closeWithServer(ctx, serverOf(req));
    await serveEventStream(req, res, { db: ctx.db, feed: hub.feed, registry: hub.registry, heartbeatMs, ...scope });
  };

  router.get('/api/orders/:orderId/stream', async (req, res) => {
    // The page's cookie (path /api/orders/<n>) covers the stream: EventSource and fetch send it unasked.
    const { orderNumber } = await authoriseOrder(ctx, req);
    // A customer's page builds its timeline from the stream, so a first connect replays the whole order.
    await serve(req, res, { orderNumber, after: resumePoint(req) ?? 0 });
  });

  router.get('/api/admin/stream', async (req, res) => {
    await requireAdmin(ctx, req);
    // Every order since the beginning is too much to replay unasked: without an id the stream starts live.
    await serve(req, res, { after: resumePoint(req) });
  });

  router.get('/api/admin/stream/stats', async (req, res) => {
    await requireAdmin(ctx, req);
    res.json(streamStats(ctx));
  });

  return router;
}
