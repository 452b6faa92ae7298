import { type Request, type Response, Router } from 'express';
import { orderWorkflowId, overrideCarrierUpdate, requestReturnUpdate, resolveAttentionUpdate } from '../../workflows/orders/definitions';
import { existingOrder } from '../admin/adminRoutes';
import { actorFor, requireRole } from '../admin/auth';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { customerShipments } from '../orders/customerView';
import { authorisedOrder, loadOrder } from '../orders/orderRoutes';
import { readModelOrder } from '../orders/orderView';
import { callTemporal, isWorkflowGone, updateRejection } from '../temporal';
import { attentionActionSchema, carrierOverrideSchema, returnRequestSchema } from './fulfilmentSchemas';
import { shipmentsOf } from './shipmentsView';

/** After the order's workflow has closed, the window's end is in its DELIVERED event. */
async function closedWindowMessage(ctx: ApiContext, orderNumber: string, status: string): Promise<string> {
  const delivered = await ctx.db('order_events').where({ order_number: orderNumber }).whereIn('to_status', ['DELIVERED']).orderBy('seq', 'desc').first('data');
  const endsAt = delivered?.data?.returnWindowEndsAt as string | undefined;
  return endsAt ? `the return window closed on ${endsAt}` : `order is ${status}: it cannot be returned`;
}

export function fulfilmentRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** Runs one Update on the order; its refusal (validator or handler) becomes a 409 that says why. */
  async function update<T>(orderNumber: string, what: string, code: string, run: () => Promise<T>, whenGone: () => Promise<string>): Promise<T> {
    try {
      return await callTemporal(ctx.temporal, what, run);
    } catch (err) {
      const rejection = updateRejection(err);
      if (rejection) throw new HttpError(409, rejection.type === 'ReturnWindowClosed' ? 'RETURN_WINDOW_CLOSED' : code, rejection.message);
      if (isWorkflowGone(err)) {
        const message = await whenGone();
        throw new HttpError(409, message.startsWith('the return window closed') ? 'RETURN_WINDOW_CLOSED' : code, message);
      }
      throw err;
    }
  }
  const handle = (orderNumber: string) => ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber));

  router.post('/api/admin/orders/:orderId/attention', requireRole('support'), async (req, res) => {
    const { orderNumber, stored } = await existingOrder(ctx, req);
    const body = parse(attentionActionSchema, req.body ?? {});
    await update(
      orderNumber,
      `${body.action} on the order`,
      'ACTION_NOT_APPLICABLE',
      () => handle(orderNumber).executeUpdate(resolveAttentionUpdate, { args: [{ action: body.action, shipmentNo: body.shipmentNo, actor: actorFor(req, body.actor), note: body.note }] }),
      async () => `order is ${stored.status}`,
    );
    res.json(await loadOrder(ctx, orderNumber, (await readModelOrder(ctx.db, orderNumber)) ?? stored));
  });

  router.post('/api/admin/orders/:orderId/carrier', requireRole('support', 'warehouse'), async (req, res) => {
    const { orderNumber, stored } = await existingOrder(ctx, req);
    const body = parse(carrierOverrideSchema, req.body ?? {});
    const choice = await update(
      orderNumber,
      'changing the carrier',
      'CARRIER_NOT_CHANGEABLE',
      () => handle(orderNumber).executeUpdate(overrideCarrierUpdate, { args: [{ carrier: body.carrier, actor: actorFor(req, body.actor), note: body.note }] }),
      async () => `order is ${stored.status}`,
    );
    res.json({ orderId: orderNumber, carrierChoice: choice });
  });

  const startReturn = async (req: Request, res: Response, orderNumber: string, status: string, actor: string) => {
    const body = parse(returnRequestSchema, req.body ?? {});
    const started = await update(
      orderNumber,
      'starting the return',
      'NOT_RETURNABLE',
      () => handle(orderNumber).executeUpdate(requestReturnUpdate, { args: [{ lines: body.lines, reason: body.reason, actor }] }),
      () => closedWindowMessage(ctx, orderNumber, status),
    );
    res.status(201).json({ orderId: orderNumber, return: started });
  };

  router.post('/api/orders/:orderId/returns', async (req, res) => {
    const { orderNumber, stored } = await authorisedOrder(ctx, req, { write: true });
    await startReturn(req, res, orderNumber, stored.status, `customer:${stored.email}`);
  });

  router.post('/api/admin/orders/:orderId/returns', requireRole('support'), async (req, res) => {
    const { orderNumber, stored } = await existingOrder(ctx, req);
    await startReturn(req, res, orderNumber, stored.status, actorFor(req, (req.body as { actor?: string } | undefined)?.actor));
  });

  router.get('/api/orders/:orderId/shipments', async (req, res) => {
    const { orderNumber } = await authorisedOrder(ctx, req);
    res.json({ orderId: orderNumber, shipments: customerShipments(await shipmentsOf(ctx.db, orderNumber)) });
  });

  return router;
}
