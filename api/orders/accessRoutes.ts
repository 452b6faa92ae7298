import { randomUUID } from 'node:crypto';
import type { OrderEvent } from '../../workflows/orders/events';
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { recordOrderEvent } from '../../domain/orders/recordOrderEvent';
import { type AccessLinkRequest, redeemLink } from '../../domain/access/links';
import { logger } from '../../lib/logger';
import { accessLinkWorkflow, accessLinkWorkflowId } from '../../workflows/access/accessLinkWorkflow';
import { actorFor, requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { actorSchema, errorSchema, noteSchema, orderIdSchema, registry } from '../schemas';
import { callTemporal } from '../temporal';
import { authoriseOrder, createCustomerSession, createOrderSession, findOrderCredential, revokeOrderAccess, type SessionSource, setCustomerCookie, setOrderCookies } from './access';

/** Starts the workflow that mails a one-time link to the address on the order (the API sends no mail itself). */
export async function startAccessLink(ctx: ApiContext, orderNumber: string, reason: AccessLinkRequest['reason']): Promise<void> {
  const request: AccessLinkRequest = { orderNumber, requestKey: `${reason}-${randomUUID()}`, reason };
  await callTemporal(ctx.temporal, 'sending the link', () =>
    ctx.temporal.workflow.start(accessLinkWorkflow, { workflowId: accessLinkWorkflowId(request.requestKey), taskQueue: ctx.config.TEMPORAL_TASK_QUEUE, args: [request] }),
  );
}

/** Fire and forget, for the order finder: its answer must not wait on (or reveal) whether a mail was sent. */
export function startAccessLinkInBackground(ctx: ApiContext, orderNumber: string): void {
  startAccessLink(ctx, orderNumber, 'finder').catch((err: Error) => logger.warn({ err: err.message, orderNumber }, 'order finder: the link could not be sent'));
}

/**
 * The order page opened with `?token=` (from checkout) or `?link=` (a one-time link or a message's link): the
 * credential is exchanged for an order session cookie and the page reloads without it, so the secret leaves
 * the address bar, history and Referer. Anything invalid lands on the same page without a cookie (which then
 * says the order was not found, as for a wrong token).
 */
export function orderPageExchange(ctx: ApiContext): RequestHandler {
  return async (req, res, next) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    const link = typeof req.query.link === 'string' ? req.query.link : undefined;
    if (token === undefined && link === undefined) return next();
    const orderNumber = String(req.params.orderId);
    let source: SessionSource | undefined;
    if (token !== undefined && (await findOrderCredential(ctx.db, orderNumber, token))?.kind === 'token') source = 'token';
    if (!source && link !== undefined) {
      const redeemed = await redeemLink(ctx.db, orderNumber, link);
      if (redeemed) source = redeemed.purpose === 'access' ? 'link' : 'message';
    }
    if (source) {
      setOrderCookies(res, ctx.config, orderNumber, await createOrderSession(ctx.db, ctx.config, orderNumber, source));
      if (source === 'link') {
        // The link was mailed to the order's address: whoever opened it holds that mailbox.
        const order = await ctx.db('orders').where({ order_number: orderNumber }).first('email');
        if (order) setCustomerCookie(res, ctx.config, await createCustomerSession(ctx.db, ctx.config, order.email));
      }
    }
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').redirect(303, `/orders/${encodeURIComponent(orderNumber)}`);
  };
}

const revokeSchema = registry.register(
  'AccessRevoke',
  z.strictObject({
    actor: actorSchema.optional(),
    // Always a fresh link unless staff say otherwise (e.g. the mailbox itself is compromised).
    rotate: z.boolean({ error: 'must be true or false' }).default(true),
    note: noteSchema.optional(),
  }),
);

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
registry.registerPath({
  method: 'post',
  path: '/api/orders/{orderId}/verify-email',
  summary: "With the order's token or cookie: mails a one-time link (15 minutes, single use) to the address on the order; opening it proves the address (preferences, messages of every order) and counts as proof for changes",
  request: { params: z.object({ orderId: z.string() }) },
  responses: { 202: { description: '{ message }' }, 404: err('no such order, or wrong token'), 503: err('Temporal is unreachable') },
});
registry.registerPath({
  method: 'post',
  path: '/api/admin/orders/{orderId}/access/revoke',
  summary: "Support and admins: revoke every tracking token, order session and unused link of the order (they answer 404 at once) and, unless `rotate: false`, mail the customer a fresh one-time link; recorded in the order's events with the actor",
  request: { params: z.object({ orderId: z.string() }), body: json(revokeSchema) },
  responses: { 200: { description: '{ orderId, revoked: { tokens, sessions, links }, rotated }' }, 400: err('a field is invalid'), 404: err('no such order') },
});

export function accessRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.post('/api/orders/:orderId/verify-email', async (req, res) => {
    const { orderNumber } = await authoriseOrder(ctx, req);
    await startAccessLink(ctx, orderNumber, 'verify');
    res.status(202).json({ message: 'We have e-mailed a link to the address on this order. It works once, for 15 minutes.' });
  });

  router.post('/api/admin/orders/:orderId/access/revoke', requireAdminToken(ctx, ['support']), async (req, res) => {
    const orderNumber = parse(orderIdSchema, String(req.params.orderId), 'orderId');
    const body = parse(revokeSchema, req.body ?? {});
    const actor = actorFor(req, body.actor);
    if (!(await ctx.db('orders').where({ order_number: orderNumber }).first('order_number'))) throw new HttpError(404, 'ORDER_NOT_FOUND', `no order ${orderNumber}`);
    const revoked = await revokeOrderAccess(ctx.db, orderNumber);
    await recordOrderEvent<OrderEvent>(ctx.db, ctx.redis, { orderNumber, eventKey: `access-revoked-${randomUUID()}`, type: 'access_revoked', actor, reason: body.note, data: { ...revoked, rotated: body.rotate } });
    if (body.rotate) await startAccessLink(ctx, orderNumber, 'rotated');
    res.json({ orderId: orderNumber, revoked, rotated: body.rotate });
  });

  return router;
}
