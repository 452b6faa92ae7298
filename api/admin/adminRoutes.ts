import { Router, type Request } from 'express';
import type Stripe from 'stripe';
import { orderStateQuery, orderWorkflowId, packedSignal, pickedSignal, resolveAttentionUpdate } from '../../workflows/orders/definitions';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { loadOrder, requestCancel } from '../orders/orderRoutes';
import { readModelOrder } from '../orders/orderView';
import { processRecordedEvent } from '../payments/webhookRoutes';
import { adminOrderListQuerySchema, cancelRequestSchema, orderIdSchema, packedRequestSchema, pickedRequestSchema, resolveRequestSchema } from '../schemas';
import { callTemporal, isWorkflowGone, updateRejection } from '../temporal';
import { actorFor, requireAnyStaff, requireRole, staffNameFor } from './auth';
import { warehouseOnly, warehouseOrderView } from './warehouseView';

/** The order a staff route names, from the read model; 404 when there is none. */
export async function existingOrder(ctx: ApiContext, req: Request) {
  const orderNumber = parse(orderIdSchema, String(req.params.orderId), 'orderId');
  const stored = await readModelOrder(ctx.db, orderNumber);
  if (!stored) throw new HttpError(404, 'ORDER_NOT_FOUND', `no order ${orderNumber}`);
  return { orderNumber, stored };
}

/** The warehouse may only pick what is on the picking list and pack what was picked. */
async function assertStatus(ctx: ApiContext, orderNumber: string, allowed: string[], action: string): Promise<void> {
  const handle = ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber));
  try {
    const state = await callTemporal(ctx.temporal, action, () => handle.query(orderStateQuery));
    if (!allowed.includes(state.status)) throw new HttpError(409, 'WRONG_STATUS', `cannot ${action} an order that is ${state.status}`);
  } catch (err) {
    if (isWorkflowGone(err)) throw new HttpError(409, 'WRONG_STATUS', `cannot ${action} a closed order`);
    throw err;
  }
}

export function adminRoutes(ctx: ApiContext): Router {
  const router = Router();
  // Any staff role gets past the door (routes of other routers under /api/admin name their own roles); each
  // route below names the roles it serves besides admin.
  router.use('/api/admin', requireAnyStaff(ctx));

  router.get('/api/admin/orders', requireRole('support', 'warehouse'), async (req, res) => {
    const q = parse(adminOrderListQuerySchema, req.query, 'query');
    const narrow = warehouseOnly(req);
    if (narrow && q.email) throw new HttpError(403, 'ROLE_FORBIDDEN', 'the warehouse role cannot search orders by customer e-mail');
    const query = ctx.db('orders').orderBy('created_at', 'desc').limit(q.limit).offset(q.offset);
    if (q.status) query.where({ status: q.status });
    if (q.email) query.where({ email: q.email });
    if (q.from) query.where('created_at', '>=', new Date(q.from));
    if (q.to) query.where('created_at', '<', new Date(q.to));
    if (q.attention === 'true') query.whereNotNull('attention_reason');
    // Booked orders name their carrier; before booking, the one chosen at checkout (or by an admin) counts.
    if (q.carrier) query.whereRaw("coalesce(carrier, carrier_choice->>'carrier') = ?", [q.carrier]);
    const rows = await query.select('order_number', 'status', 'cancel_reason', 'attention_reason', 'email', 'name', 'total_pence', 'currency', 'carrier', 'carrier_choice', 'tracking_number', 'created_at', 'updated_at');
    res.json({
      orders: rows.map((r) => ({
        orderId: r.order_number,
        status: r.status,
        cancelReason: r.cancel_reason,
        attentionReason: r.attention_reason,
        // The warehouse sees the name a label carries, not the customer's e-mail or what they paid.
        ...(narrow ? {} : { email: r.email, totalPence: r.total_pence, currency: r.currency }),
        name: r.name,
        carrier: r.carrier ?? r.carrier_choice?.carrier ?? null,
        trackingNumber: r.tracking_number,
        createdAt: new Date(r.created_at).toISOString(),
        updatedAt: new Date(r.updated_at).toISOString(),
      })),
      limit: q.limit,
      offset: q.offset,
    });
  });

  /** What the warehouse must pick now: paid orders on the picking list, oldest first, with their lines. */
  router.get('/api/admin/picking-list', requireRole('warehouse'), async (_req, res) => {
    const orders = await ctx.db('orders').where({ status: 'PICKING' }).orderBy('created_at').limit(500).select('order_number', 'name', 'shipping_address', 'created_at');
    const lines = await ctx.db('order_lines').whereIn('order_number', orders.map((o) => o.order_number)).orderBy(['order_number', 'line_no']);
    res.json({
      orders: orders.map((o) => ({
        orderId: o.order_number,
        name: o.name,
        shippingAddress: o.shipping_address,
        createdAt: new Date(o.created_at).toISOString(),
        lines: lines.filter((l) => l.order_number === o.order_number).map((l) => ({ sku: l.sku, productName: l.product_name, size: l.size, quantity: l.quantity })),
      })),
    });
  });

  router.get('/api/admin/orders/:orderId', requireRole('support', 'warehouse'), async (req, res) => {
    const { orderNumber, stored } = await existingOrder(ctx, req);
    const order = await loadOrder(ctx, orderNumber, stored);
    res.json(warehouseOnly(req) ? warehouseOrderView(order as unknown as Record<string, unknown>) : order);
  });

  router.post('/api/admin/orders/:orderId/picked', requireRole('warehouse'), async (req, res) => {
    const { orderNumber } = await existingOrder(ctx, req);
    const body = parse(pickedRequestSchema, req.body ?? {});
    await assertStatus(ctx, orderNumber, ['PICKING'], 'mark picked');
    await callTemporal(ctx.temporal, 'mark picked', () => ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber)).signal(pickedSignal, { by: staffNameFor(req, body.by) }));
    res.status(202).json({ orderId: orderNumber, accepted: 'picked' });
  });

  router.post('/api/admin/orders/:orderId/packed', requireRole('warehouse'), async (req, res) => {
    const { orderNumber } = await existingOrder(ctx, req);
    const body = parse(packedRequestSchema, req.body ?? {});
    await assertStatus(ctx, orderNumber, ['PICKING'], 'mark packed');
    await callTemporal(ctx.temporal, 'mark packed', () => ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber)).signal(packedSignal, { by: staffNameFor(req, body.by), parcels: body.parcels }));
    res.status(202).json({ orderId: orderNumber, accepted: 'packed' });
  });

  const resolve = (action: 'retry' | 'cancel') => async (req: Request, res: import('express').Response) => {
    const { orderNumber, stored } = await existingOrder(ctx, req);
    const body = parse(resolveRequestSchema, req.body ?? {});
    try {
      await callTemporal(ctx.temporal, `${action} the order`, () =>
        ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber)).executeUpdate(resolveAttentionUpdate, { args: [{ action, actor: actorFor(req, body.actor), note: body.note }] }),
      );
    } catch (err) {
      const rejection = updateRejection(err);
      if (rejection) throw new HttpError(409, 'NOT_IN_ATTENTION', rejection.message);
      if (isWorkflowGone(err)) throw new HttpError(409, 'NOT_IN_ATTENTION', `order is ${stored.status}`);
      throw err;
    }
    const fresh = await readModelOrder(ctx.db, orderNumber);
    res.json(await loadOrder(ctx, orderNumber, fresh ?? stored));
  };
  router.post('/api/admin/orders/:orderId/retry', requireRole('support'), resolve('retry'));

  router.post('/api/admin/orders/:orderId/cancel', requireRole('support'), async (req, res) => {
    const { orderNumber, stored } = await existingOrder(ctx, req);
    const body = parse(resolveRequestSchema, req.body ?? {});
    if (stored.status === 'NEEDS_ATTENTION') {
      await resolve('cancel')(req, res);
      return;
    }
    parse(cancelRequestSchema, { note: body.note });
    res.json(await requestCancel(ctx, orderNumber, { by: 'admin', actor: actorFor(req, body.actor), note: body.note }));
  });

  router.get('/api/admin/webhooks', requireRole(), async (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    const query = ctx.db('webhook_events').orderBy('received_at', 'desc').limit(100);
    if (status) query.where({ status });
    const rows = await query.select('event_id', 'type', 'order_number', 'status', 'attempts', 'last_error', 'received_at', 'processed_at');
    res.json({ events: rows });
  });

  router.post('/api/admin/webhooks/:eventId/replay', requireRole(), async (req, res) => {
    const row = await ctx.db('webhook_events').where({ event_id: String(req.params.eventId) }).first();
    if (!row) throw new HttpError(404, 'EVENT_NOT_FOUND', `no recorded webhook event ${req.params.eventId}`);
    const outcome = await processRecordedEvent(ctx, row.payload as Stripe.Event);
    res.json({ eventId: row.event_id, ...outcome });
  });

  return router;
}
