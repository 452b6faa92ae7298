import { Router } from 'express';
import { z } from 'zod';
import { ALERT_RULES, ALERT_SEVERITIES, ALERT_STATUSES } from '../../domain/alerts/types';
import { requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { parse } from '../errors';

export const alertListQuerySchema = z
  .object({
    status: z.enum(ALERT_STATUSES).optional(),
    rule: z.enum(ALERT_RULES).optional(),
    severity: z.enum(ALERT_SEVERITIES).optional(),
    limit: z.coerce.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500').default(100),
    offset: z.coerce.number().int().min(0, 'must not be negative').default(0),
  })
  .strict();

const iso = (v: Date | string | null): string | null => (v ? new Date(v).toISOString() : null);

const present = (r: Record<string, any>) => ({
  id: r.id,
  key: r.key,
  rule: r.rule,
  severity: r.severity,
  status: r.status,
  summary: r.summary,
  details: r.details,
  episode: r.episode,
  firstFiredAt: iso(r.first_fired_at),
  lastSeenAt: iso(r.last_seen_at),
  resolvedAt: iso(r.resolved_at),
  notifiedAt: iso(r.notified_at),
  resolvedNotifiedAt: iso(r.resolved_notified_at),
  // What each channel did per announcement: where an admin sees a message that never went out.
  deliveries: r.deliveries,
});

/** The alert record: firing ones first (most severe, then newest), then resolved, most recently cleared first. */
export function alertRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.use('/api/admin/alerts', requireAdminToken(ctx));

  router.get('/api/admin/alerts', async (req, res) => {
    const q = parse(alertListQuerySchema, req.query, 'query');
    const query = ctx.db('alerts')
      .orderByRaw("status = 'firing' desc, severity = 'critical' desc, coalesce(resolved_at, first_fired_at) desc, id desc")
      .limit(q.limit)
      .offset(q.offset);
    if (q.status) query.where({ status: q.status });
    if (q.rule) query.where({ rule: q.rule });
    if (q.severity) query.where({ severity: q.severity });
    const rows = await query.select('*');
    res.set('Cache-Control', 'no-store').json({ alerts: rows.map(present), limit: q.limit, offset: q.offset });
  });
  return router;
}
