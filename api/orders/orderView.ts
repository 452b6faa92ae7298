import type { Db } from '../../db/connection';
import type { OrderView } from '../../workflows/orders/definitions';

/** The order as customers and admins see it: the same shape whether it came from the workflow or the read model. */
export interface OrderResponse {
  orderId: string;
  status: string;
  cancelReason: string | null;
  attentionReason: string | null;
  email: string;
  name: string;
  lines: OrderView['lines'];
  totals: { currency: 'GBP'; subtotalPence: number; shippingPence: number; vatPence: number; totalPence: number };
  payment: { paymentIntentId: string; status: string; amountPence: number } | null;
  refundedPence: number;
  shipments: Array<{ carrier: string; trackingNumber: string; status: string; estimatedDelivery?: string; events: Array<Record<string, unknown>> }>;
  returnWindowEndsAt: string | null;
  timeline: Array<{ id: number; seq: number; type: string; fromStatus: string | null; toStatus: string | null; actor: string; reason: string | null; data: unknown; occurredAt: string }>;
  source: 'workflow' | 'read-model';
  createdAt: string;
}

export async function timeline(db: Db, orderNumber: string): Promise<OrderResponse['timeline']> {
  const rows = await db('order_events').where({ order_number: orderNumber }).orderBy('seq');
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    type: r.type,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    actor: r.actor,
    reason: r.reason,
    data: r.data,
    occurredAt: new Date(r.occurred_at).toISOString(),
  }));
}

export async function readModelOrder(db: Db, orderNumber: string): Promise<Omit<OrderResponse, 'timeline'> | undefined> {
  const order = await db('orders').where({ order_number: orderNumber }).first();
  if (!order) return undefined;
  const [lines, payment, refunded, trackingEvents] = await Promise.all([
    db('order_lines').where({ order_number: orderNumber }).orderBy('line_no'),
    db('payments').where({ order_number: orderNumber }).orderBy('id', 'desc').first(),
    db('refunds').where({ order_number: orderNumber }).sum({ pence: 'amount_pence' }).first(),
    db('order_events').where({ order_number: orderNumber, type: 'tracking_updated' }).orderBy('seq'),
  ]);
  const latest = trackingEvents[trackingEvents.length - 1];
  return {
    orderId: order.order_number,
    status: order.status,
    cancelReason: order.cancel_reason,
    attentionReason: order.attention_reason,
    email: order.email,
    name: order.name,
    lines: lines.map((l) => ({
      lineNo: l.line_no,
      sku: l.sku,
      productName: l.product_name,
      size: l.size,
      quantity: l.quantity,
      unitPricePence: l.unit_price_pence,
      lineTotalPence: l.line_total_pence,
      vatPence: l.vat_pence,
    })),
    totals: { currency: 'GBP', subtotalPence: order.subtotal_pence, shippingPence: order.shipping_pence, vatPence: order.vat_pence, totalPence: order.total_pence },
    payment: payment ? { paymentIntentId: payment.payment_intent_id, status: payment.status, amountPence: payment.amount_pence } : null,
    refundedPence: Number(refunded?.pence ?? 0),
    shipments: order.tracking_number
      ? [
          {
            carrier: order.carrier,
            trackingNumber: order.tracking_number,
            status: latest?.data?.status ?? 'LABEL_PURCHASED',
            events: trackingEvents.map((e) => ({ ...(e.data?.latest ?? {}), status: e.data?.status })),
          },
        ]
      : [],
    returnWindowEndsAt: null,
    source: 'read-model',
    createdAt: new Date(order.created_at).toISOString(),
  };
}

export function fromWorkflow(view: OrderView, createdAt: string): Omit<OrderResponse, 'timeline'> {
  return {
    orderId: view.orderNumber,
    status: view.status,
    cancelReason: view.cancelReason ?? null,
    attentionReason: view.attentionReason ?? null,
    email: view.customer.email,
    name: view.customer.name,
    lines: view.lines,
    totals: view.totals ?? { currency: 'GBP', subtotalPence: 0, shippingPence: 0, vatPence: 0, totalPence: 0 },
    payment: view.payment ?? null,
    refundedPence: view.refundedPence,
    shipments: view.shipment ? [{ ...view.shipment }] : [],
    returnWindowEndsAt: view.returnWindowEndsAt ?? null,
    source: 'workflow',
    createdAt,
  };
}
