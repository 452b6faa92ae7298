import { Router, type Request } from 'express';
import { cancelUpdate, orderStateQuery, orderWorkflowId } from '../../workflows/orders/definitions';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { cancelRequestSchema } from '../schemas';
import { callTemporal, isWorkflowGone, updateRejection } from '../temporal';
import { authoriseOrder as authorise } from './access';
import { customerOrder } from './customerView';
import { fromWorkflow, type OrderResponse, readModelOrder, timeline } from './orderView';

/**
 * A wrong token answers exactly like a missing order, so order numbers cannot be probed; `write` also asks for
 * a recent proof (api/orders/access.ts).
 */
export async function authorisedOrder(ctx: ApiContext, req: Request, opts: { write?: boolean } = {}) {
  return authorise(ctx, req, opts);
}

/** Live state from the workflow while it runs; the read model once it has closed (or Temporal is away). */
export async function loadOrder(ctx: ApiContext, orderNumber: string, stored: Omit<OrderResponse, 'timeline'>): Promise<OrderResponse> {
  const handle = ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber));
  let current = stored;
  try {
    const description = await ctx.temporal.connection.withDeadline(Date.now() + 5000, () => handle.describe());
    if (description.status.name === 'RUNNING') {
      const live = fromWorkflow(await ctx.temporal.connection.withDeadline(Date.now() + 5000, () => handle.query(orderStateQuery)), stored.createdAt);
      // The choice made at checkout is in the read model before the workflow reaches the warehouse.
      current = { ...live, shippingOption: live.shippingOption ?? stored.shippingOption, promisedDeliveryDate: stored.promisedDeliveryDate, carrierChoice: live.carrierChoice ?? stored.carrierChoice };
    }
  } catch {
    // Temporal unreachable or history gone: the read model is the answer.
  }
  return { ...current, timeline: await timeline(ctx.db, orderNumber) };
}

export async function requestCancel(ctx: ApiContext, orderNumber: string, request: { by: 'customer' | 'admin'; actor: string; note?: string }): Promise<OrderResponse> {
  const handle = ctx.temporal.workflow.getHandle(orderWorkflowId(orderNumber));
  try {
    await callTemporal(ctx.temporal, 'cancelling the order', () => handle.executeUpdate(cancelUpdate, { args: [request] }));
  } catch (err) {
    const rejection = updateRejection(err);
    if (rejection) throw new HttpError(409, 'NOT_CANCELLABLE', rejection.message);
    if (isWorkflowGone(err)) {
      const order = await readModelOrder(ctx.db, orderNumber);
      throw new HttpError(409, 'NOT_CANCELLABLE', `order is already ${order?.status ?? 'closed'}`);
    }
    throw err;
  }
  const stored = await readModelOrder(ctx.db, orderNumber);
  return loadOrder(ctx, orderNumber, stored as Omit<OrderResponse, 'timeline'>);
}

export function orderRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/api/orders/:orderId', async (req, res) => {
    const { orderNumber, stored, proof } = await authorisedOrder(ctx, req);
    // Staff read the same order whole at /api/admin/orders/:orderId; the customer gets the allow-listed view.
    // `access` tells the page whether a change needs the e-mail typed again.
    res.json({ ...customerOrder(await loadOrder(ctx, orderNumber, stored)), access: { emailNeeded: !proof } });
  });

  router.post('/api/orders/:orderId/cancel', async (req, res) => {
    const { orderNumber, stored } = await authorisedOrder(ctx, req, { write: true });
    const { email: _proof, ...body } = parse(cancelRequestSchema, req.body ?? {});
    res.json(customerOrder(await requestCancel(ctx, orderNumber, { by: 'customer', actor: `customer:${stored.email}`, note: body.note })));
  });

  return router;
}
