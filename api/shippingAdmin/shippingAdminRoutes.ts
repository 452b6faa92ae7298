import path from 'node:path';
import { msToNumber } from '@temporalio/common/lib/time';
import { Router } from 'express';
import { projectRoot } from '../../lib/paths';
import { requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { parse } from '../errors';
import './openapi';
import { carrierCosts, carrierPerformance, searchShipments, shippingIssues } from './queries';
import { analyticsQuerySchema, issuesQuerySchema, shipmentSearchQuerySchema } from './schemas';

/** Chart.js from our own origin: the CSP allows scripts from 'self' only, and there is no build step to bundle it. */
const CHART_JS = path.join(projectRoot, 'node_modules', 'chart.js', 'dist', 'chart.umd.js');

const DAY_MS = 86_400_000;
const londonDay = (at: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/** The default range: the last 30 London days, today included. */
export function defaultRange(now = new Date()): { from: string; to: string } {
  return { from: londonDay(new Date(now.getTime() - 29 * DAY_MS)), to: londonDay(now) };
}

export function shippingAdminRoutes(ctx: ApiContext): Router {
  const router = Router();
  // Every staff role reads the dashboard: support answers "where is my parcel", the warehouse follows what
  // it sent, admins watch carriers. Per route, so where app.ts mounts this router does not decide who gets in.
  const staff = requireAdminToken(ctx, ['support', 'warehouse']);
  // Half the workflow's own STALE deadline: the dashboard warns while there is still time to chase the carrier.
  const defaultStaleSeconds = Math.max(1, Math.round(msToNumber(ctx.config.TRACKING_STALE_AFTER as Parameters<typeof msToNumber>[0]) / 2000));

  router.get('/vendor/chart.umd.js', (_req, res) => {
    // As web/public's files: no content hash in the name, so revalidated (by ETag) rather than kept for long.
    res.set('Cache-Control', ctx.config.NODE_ENV === 'production' ? 'public, max-age=300, must-revalidate' : 'no-cache');
    res.type('text/javascript').sendFile(CHART_JS);
  });

  router.get('/api/admin/shipping/shipments', staff, async (req, res) => {
    const q = parse(shipmentSearchQuerySchema, req.query);
    const { shipments, total } = await searchShipments(ctx.db, q);
    res.set('Cache-Control', 'no-store').json({ shipments, total, limit: q.limit, offset: q.offset });
  });

  router.get('/api/admin/shipping/analytics', staff, async (req, res) => {
    const q = parse(analyticsQuerySchema, req.query);
    // One end alone means 30 days from (or up to) it; neither, the last 30 days.
    const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
    const { from, to } = q.from && q.to ? { from: q.from, to: q.to } : q.from ? { from: q.from, to: shift(q.from, 29) } : q.to ? { from: shift(q.to, -29), to: q.to } : defaultRange();
    const [carriers, costs] = await Promise.all([carrierPerformance(ctx.db, from, to), carrierCosts(ctx.db, from, to)]);
    res.set('Cache-Control', 'no-store').json({ from, to, basis: 'outbound parcels booked between from and to (London days, both included)', carriers, costs });
  });

  router.get('/api/admin/shipping/issues', staff, async (req, res) => {
    const q = parse(issuesQuerySchema, req.query);
    const staleAfterSeconds = q.staleHours ? q.staleHours * 3600 : defaultStaleSeconds;
    res.set('Cache-Control', 'no-store').json({ ...(await shippingIssues(ctx.db, staleAfterSeconds)), staleAfterSeconds });
  });

  return router;
}
