import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { text } from '../../lib/text';
import { resendNotificationWorkflow } from '../../workflows/notifications/resendNotificationWorkflow';
import { requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { verifyTrackingToken } from '../orders/identifiers';
import { errorSchema, registry } from '../schemas';
import { callTemporal } from '../temporal';

export const preferencesSchema = z
  .object({
    channels: z.array(z.enum(['email', 'sms', 'in_app'])).max(3).optional(),
    phone: z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +447700900123').nullable().optional(),
    nonEssentialOptOut: z.boolean().optional(),
  })
  .strict();

const listQuerySchema = z
  .object({
    status: z.enum(['pending', 'sent', 'failed', 'bounced', 'skipped']).optional(),
    orderId: text({ max: 40 }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** Marks the customer's messages read up to the newest one the page showed, so a message arriving meanwhile stays new. */
export const inboxReadSchema = registry.register(
  'InboxRead',
  z.strictObject({ upToId: z.number({ error: 'must be the id of a message' }).int('must be a whole number').positive('must be the id of a message') }),
);

registry.registerPath({
  method: 'post',
  path: '/api/orders/{orderId}/inbox/read',
  summary: "Mark the customer's in-app messages read, up to and including `upToId` (those of all their orders); answers how many changed and how many stay unread",
  request: {
    params: z.object({ orderId: z.string() }),
    query: z.object({ token: z.string().optional() }),
    body: { content: { 'application/json': { schema: inboxReadSchema } } },
  },
  responses: {
    200: { description: '{ marked, unreadCount }' },
    400: { description: 'upToId is missing or not a message id', content: { 'application/json': { schema: errorSchema } } },
    404: { description: 'no such order, or wrong token', content: { 'application/json': { schema: errorSchema } } },
  },
});

async function customerOf(ctx: ApiContext, orderNumber: string, token: string | undefined): Promise<{ email: string; phone: string | null }> {
  const order = verifyTrackingToken(ctx.config.TRACKING_TOKEN_SECRET, orderNumber, token) ? await ctx.db('orders').where({ order_number: orderNumber }).first('email', 'phone') : undefined;
  if (!order) throw new HttpError(404, 'ORDER_NOT_FOUND', 'no order with that number and token');
  return order;
}

const present = (r: Record<string, any>) => ({
  id: r.id,
  orderId: r.order_number,
  orderEventId: r.order_event_id,
  channel: r.channel,
  template: r.template,
  audience: r.audience,
  recipient: r.recipient,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  messageId: r.message_id,
  createdAt: new Date(r.created_at).toISOString(),
  sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
});

export function notificationRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** The customer's in-app messages (all their orders), read with any of their orders' tokens. */
  router.get('/api/orders/:orderId/inbox', async (req, res) => {
    const token = (req.query.token as string | undefined) ?? req.header('X-Tracking-Token');
    const customer = await customerOf(ctx, String(req.params.orderId), token);
    const [rows, unread] = await Promise.all([
      ctx.db('in_app_notifications').where({ email: customer.email }).orderBy('id', 'desc').limit(100),
      unreadCount(customer.email),
    ]);
    res.json({
      notifications: rows.map((r) => ({ id: Number(r.id), orderId: r.order_number, title: r.title, body: r.body, link: r.link, createdAt: new Date(r.created_at).toISOString(), readAt: r.read_at ? new Date(r.read_at).toISOString() : null })),
      unreadCount: unread,
    });
  });

  async function unreadCount(email: string): Promise<number> {
    const row = await ctx.db('in_app_notifications').where({ email }).whereNull('read_at').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  router.post('/api/orders/:orderId/inbox/read', async (req, res) => {
    const token = (req.query.token as string | undefined) ?? req.header('X-Tracking-Token');
    const customer = await customerOf(ctx, String(req.params.orderId), token);
    const body = parse(inboxReadSchema, req.body ?? {});
    const marked = await ctx.db('in_app_notifications').where({ email: customer.email }).where('id', '<=', body.upToId).whereNull('read_at').update({ read_at: ctx.db.fn.now() });
    res.json({ marked, unreadCount: await unreadCount(customer.email) });
  });

  router.get('/api/orders/:orderId/preferences', async (req, res) => {
    const token = (req.query.token as string | undefined) ?? req.header('X-Tracking-Token');
    const customer = await customerOf(ctx, String(req.params.orderId), token);
    const prefs = await ctx.db('customer_preferences').where({ email: customer.email }).first();
    res.json({ channels: prefs?.channels ?? ['email', 'sms', 'in_app'], phone: prefs?.phone ?? customer.phone, nonEssentialOptOut: prefs?.non_essential_opt_out ?? false });
  });

  router.put('/api/orders/:orderId/preferences', async (req, res) => {
    const token = (req.query.token as string | undefined) ?? req.header('X-Tracking-Token');
    const customer = await customerOf(ctx, String(req.params.orderId), token);
    const body = parse(preferencesSchema, req.body ?? {});
    const patch: Record<string, unknown> = { email: customer.email, updated_at: ctx.db.fn.now() };
    if (body.channels) patch.channels = JSON.stringify(body.channels);
    if (body.phone !== undefined) patch.phone = body.phone;
    if (body.nonEssentialOptOut !== undefined) patch.non_essential_opt_out = body.nonEssentialOptOut;
    await ctx.db('customer_preferences').insert(patch).onConflict('email').merge();
    const prefs = await ctx.db('customer_preferences').where({ email: customer.email }).first();
    res.json({ channels: prefs.channels, phone: prefs.phone ?? customer.phone, nonEssentialOptOut: prefs.non_essential_opt_out });
  });

  // Support answers customers about their messages: it reads the list and resends what failed, as admins do.
  router.use('/api/admin/notifications', requireAdminToken(ctx.config.ADMIN_API_TOKEN, ['support']));

  router.get('/api/admin/notifications', async (req, res) => {
    const q = parse(listQuerySchema, req.query, 'query');
    const query = ctx.db('notifications').orderBy('id', 'desc').limit(q.limit);
    if (q.status) query.where({ status: q.status });
    if (q.orderId) query.where({ order_number: q.orderId });
    res.json({ notifications: (await query).map(present) });
  });

  /** Resends through a workflow, so the send keeps its retries and its once-only guard. */
  router.post('/api/admin/notifications/:id/resend', async (req, res) => {
    const id = parse(z.coerce.number().int().positive('must be a notification id'), req.params.id, 'id');
    const row = await ctx.db('notifications').where({ id }).first();
    if (!row) throw new HttpError(404, 'NOTIFICATION_NOT_FOUND', `no notification ${id}`);
    if (row.status === 'sent') throw new HttpError(409, 'ALREADY_SENT', 'this notification was sent; it is not sent twice');
    const result = await callTemporal(ctx.temporal, 'resending the notification', () =>
      ctx.temporal.workflow.execute(resendNotificationWorkflow, { workflowId: `resend-notification-${id}-${randomUUID()}`, taskQueue: ctx.config.TEMPORAL_TASK_QUEUE, args: [id] }),
    );
    const fresh = await ctx.db('notifications').where({ id }).first();
    res.json({ result: result.status, notification: present(fresh) });
  });

  return router;
}
