import { randomUUID } from 'node:crypto';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { text } from '../../lib/text';
import { resendNotificationWorkflow } from '../../workflows/notifications/resendNotificationWorkflow';
import { requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { authoriseOrder, verifiedCustomer } from '../orders/access';
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

const errorBody = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
const orderParams = z.object({ orderId: z.string() });
registry.registerPath({
  method: 'post',
  path: '/api/orders/{orderId}/inbox/read',
  summary: "Mark this order's in-app messages read, up to and including `upToId`; answers how many changed and how many stay unread",
  request: { params: orderParams, body: { content: { 'application/json': { schema: inboxReadSchema } } } },
  responses: { 200: { description: '{ marked, unreadCount }' }, 400: errorBody('upToId is missing or not a message id'), 404: errorBody('no such order, or wrong token') },
});
const verified = 'a verified customer (the dy_customer cookie a one-time link sets)';
registry.registerPath({
  method: 'get',
  path: '/api/customer/inbox',
  summary: `Every in-app message to the verified e-mail, of all its orders, with ${verified}`,
  responses: { 200: { description: '{ email, notifications, unreadCount }' }, 403: errorBody('VERIFICATION_REQUIRED') },
});
registry.registerPath({
  method: 'post',
  path: '/api/customer/inbox/read',
  summary: `Mark the verified e-mail's messages read up to \`upToId\`, with ${verified}`,
  request: { body: { content: { 'application/json': { schema: inboxReadSchema } } } },
  responses: { 200: { description: '{ marked, unreadCount }' }, 400: errorBody('upToId is missing or not a message id'), 403: errorBody('VERIFICATION_REQUIRED') },
});
registry.registerPath({
  method: 'get',
  path: '/api/customer/preferences',
  summary: `The verified e-mail's notification preferences (channels, phone, opt-out of non-essential messages), with ${verified}`,
  responses: { 200: { description: '{ email, channels, phone, nonEssentialOptOut }' }, 403: errorBody('VERIFICATION_REQUIRED') },
});
registry.registerPath({
  method: 'put',
  path: '/api/customer/preferences',
  summary: `Change them, with ${verified}; a transactional message always keeps at least e-mail`,
  request: { body: { content: { 'application/json': { schema: preferencesSchema } } } },
  responses: { 200: { description: '{ email, channels, phone, nonEssentialOptOut }' }, 400: errorBody('a field is invalid'), 403: errorBody('VERIFICATION_REQUIRED') },
});

/** A cross-site request never changes anything with the customer cookie (SameSite=Lax already keeps it home). */
function assertSameSite(req: Request): void {
  const site = req.header('Sec-Fetch-Site');
  if (site && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'CROSS_SITE', `a ${site} request cannot change your preferences`);
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

  const message = (r: Record<string, any>) => ({ id: Number(r.id), orderId: r.order_number, title: r.title, body: r.body, link: r.link, createdAt: new Date(r.created_at).toISOString(), readAt: r.read_at ? new Date(r.read_at).toISOString() : null });
  type Scope = { order_number: string } | { email: string };
  const unreadCount = async (scope: Scope): Promise<number> => Number((await ctx.db('in_app_notifications').where(scope).whereNull('read_at').count({ n: '*' }).first())?.n ?? 0);
  const list = async (scope: Scope) => {
    const [rows, unread] = await Promise.all([ctx.db('in_app_notifications').where(scope).orderBy('id', 'desc').limit(100), unreadCount(scope)]);
    return { notifications: rows.map(message), unreadCount: unread };
  };
  const markRead = async (scope: Scope, body: unknown) => {
    const { upToId } = parse(inboxReadSchema, body ?? {});
    const marked = await ctx.db('in_app_notifications').where(scope).where('id', '<=', upToId).whereNull('read_at').update({ read_at: ctx.db.fn.now() });
    return { marked, unreadCount: await unreadCount(scope) };
  };

  /**
   * One order's messages, with that order's token or cookie. Never the e-mail's other orders: anyone can place
   * an order with someone else's address, and its token must not open theirs.
   */
  router.get('/api/orders/:orderId/inbox', async (req, res) => {
    const { orderNumber } = await authoriseOrder(ctx, req);
    res.json(await list({ order_number: orderNumber }));
  });

  router.post('/api/orders/:orderId/inbox/read', async (req, res) => {
    const { orderNumber } = await authoriseOrder(ctx, req);
    res.json(await markRead({ order_number: orderNumber }, req.body));
  });

  // Preferences are the e-mail's, not the order's: an order's token cannot prove whose address it is.
  const moved = () => {
    throw new HttpError(403, 'VERIFICATION_REQUIRED', 'preferences belong to an e-mail address: open the link we e-mail you, then use /api/customer/preferences');
  };
  router.get('/api/orders/:orderId/preferences', moved);
  router.put('/api/orders/:orderId/preferences', moved);

  const customerEmail = async (req: Request) => (await verifiedCustomer(ctx, req)).email;

  router.get('/api/customer/inbox', async (req, res) => {
    const email = await customerEmail(req);
    res.set('Cache-Control', 'no-store').json({ email, ...(await list({ email })) });
  });

  router.post('/api/customer/inbox/read', async (req, res) => {
    const email = await customerEmail(req);
    assertSameSite(req);
    res.json(await markRead({ email }, req.body));
  });

  const preferencesOf = async (email: string) => {
    const [prefs, order] = await Promise.all([
      ctx.db('customer_preferences').where({ email }).first(),
      ctx.db('orders').whereRaw('lower(email) = ?', [email]).whereNotNull('phone').orderBy('created_at', 'desc').first('phone'),
    ]);
    return { email, channels: prefs?.channels ?? ['email', 'sms', 'in_app'], phone: prefs?.phone ?? order?.phone ?? null, nonEssentialOptOut: prefs?.non_essential_opt_out ?? false };
  };

  router.get('/api/customer/preferences', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await preferencesOf(await customerEmail(req)));
  });

  router.put('/api/customer/preferences', async (req, res) => {
    const email = await customerEmail(req);
    assertSameSite(req);
    const body = parse(preferencesSchema, req.body ?? {});
    const patch: Record<string, unknown> = { email, updated_at: ctx.db.fn.now() };
    if (body.channels) patch.channels = JSON.stringify(body.channels);
    if (body.phone !== undefined) patch.phone = body.phone;
    if (body.nonEssentialOptOut !== undefined) patch.non_essential_opt_out = body.nonEssentialOptOut;
    await ctx.db('customer_preferences').insert(patch).onConflict('email').merge();
    res.json(await preferencesOf(email));
  });

  // Support answers customers about their messages: it reads the list and resends what failed, as admins do.
  router.use('/api/admin/notifications', requireAdminToken(ctx, ['support']));

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
