import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { orderWorkflowId } from '../../workflows/orders/definitions';
import type { ApiContext } from '../context';
import { errorSchema, registry } from '../schemas';
import { shipmentsOf } from '../shipping/shipmentsView';
import { existingOrder } from './adminRoutes';
import { requireAdminToken } from './auth';

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

/**
 * The Temporal Web UI staff may open. A configured TEMPORAL_UI_URL wins; outside production the dev server's UI
 * is where `npm start` put it; in production without one there is no link (the cluster's UI is not ours to guess).
 */
export function temporalUiBase(config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_PORT' | 'NODE_ENV'>): string | null {
  if (config.TEMPORAL_UI_URL) return config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  return config.NODE_ENV === 'production' ? null : `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
}

export function executionUrl(config: Parameters<typeof temporalUiBase>[0] & Pick<Config, 'TEMPORAL_NAMESPACE'>, orderNumber: string): string | null {
  const base = temporalUiBase(config);
  if (!base) return null;
  return `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(orderWorkflowId(orderNumber))}`;
}

/**
 * What the staff order page shows beside the order itself: every parcel with its whole tracking history (the
 * customer's endpoint needs their token), every payment and refund row, and where the order runs in Temporal.
 * Read-only, so support and warehouse may read it as they read the order.
 */
export function orderDetailRoutes(ctx: ApiContext): Router {
  const router = Router();
  const readers = requireAdminToken(ctx, ['support', 'warehouse']);

  router.get('/api/admin/orders/:orderId/shipments', readers, async (req, res) => {
    const { orderNumber } = await existingOrder(ctx, req);
    res.set('Cache-Control', 'no-store').json({ orderId: orderNumber, shipments: await shipmentsOf(ctx.db, orderNumber) });
  });

  // Payments and refunds are no part of picking or packing: admin and support only.
  router.get('/api/admin/orders/:orderId/payments', requireAdminToken(ctx, ['support']), async (req, res) => {
    const { orderNumber } = await existingOrder(ctx, req);
    const [payments, refunds] = await Promise.all([
      ctx.db('payments').where({ order_number: orderNumber }).orderBy('id'),
      ctx.db('refunds').where({ order_number: orderNumber }).orderBy('id'),
    ]);
    res.set('Cache-Control', 'no-store').json({
      orderId: orderNumber,
      payments: payments.map((p) => ({
        paymentIntentId: p.payment_intent_id,
        amountPence: p.amount_pence,
        currency: p.currency,
        status: p.status,
        failureMessage: p.failure_message,
        createdAt: iso(p.created_at),
        updatedAt: iso(p.updated_at),
      })),
      refunds: refunds.map((r) => ({
        paymentIntentId: r.payment_intent_id,
        stripeRefundId: r.stripe_refund_id,
        amountPence: r.amount_pence,
        reason: r.reason,
        status: r.status,
        createdAt: iso(r.created_at),
      })),
      refundedPence: refunds.reduce((sum, r) => sum + Number(r.amount_pence), 0),
    });
  });

  router.get('/api/admin/orders/:orderId/execution', readers, async (req, res) => {
    const { orderNumber } = await existingOrder(ctx, req);
    res.json({
      orderId: orderNumber,
      namespace: ctx.config.TEMPORAL_NAMESPACE,
      workflowId: orderWorkflowId(orderNumber),
      temporalUiUrl: executionUrl(ctx.config, orderNumber),
    });
  });

  return router;
}

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(errorSchema) });
const params = z.object({ orderId: z.string() });
const security: Array<Record<string, string[]>> = [{ adminToken: [] }, { staffSession: [] }];
registry.registerPath({ method: 'get', path: '/api/admin/orders/{orderId}/shipments', security, summary: 'Every parcel of the order (outbound and returns) with carrier, service, tracking number, exception and full tracking history: the staff twin of the customer endpoint (roles support, warehouse)', request: { params }, responses: { 200: { description: '{ orderId, shipments }' }, 401: err('not signed in'), 404: err('no such order') } });
registry.registerPath({ method: 'get', path: '/api/admin/orders/{orderId}/payments', security, summary: 'Every payment (PaymentIntent) and refund of the order, in pence (roles support, warehouse)', request: { params }, responses: { 200: { description: '{ orderId, payments, refunds, refundedPence }' }, 401: err('not signed in'), 404: err('no such order') } });
registry.registerPath({ method: 'get', path: '/api/admin/orders/{orderId}/execution', security, summary: "Where the order's workflow runs: namespace, workflow id and its page in the Temporal Web UI (TEMPORAL_UI_URL; null in production without one)", request: { params }, responses: { 200: { description: '{ orderId, namespace, workflowId, temporalUiUrl }' }, 401: err('not signed in'), 404: err('no such order') } });
