import { civilDate } from '../../lib/civilDate';
import type { Db } from '../../db/connection';
import type { CarrierChoice, OrderView } from '../../workflows/orders/definitions';
import { shipmentsOf } from '../shipping/shipmentsView';

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
  shipments: Array<{ shipmentNo?: number; carrier: string; service?: string; trackingNumber: string; status: string; estimatedDelivery?: string; events: Array<Record<string, unknown>>; lines?: unknown; exception?: unknown; closedAs?: string }>;
  returns: Array<Record<string, unknown>>;
  shippingOption: string | null;
  /** YYYY-MM-DD the store promised at checkout; null for orders from before shipping was charged. */
  promisedDeliveryDate: string | null;
  carrierChoice: CarrierChoice | null;
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
  const [lines, payment, refunded, trackingEvents, parcels, returns, delivered] = await Promise.all([
    db('order_lines').where({ order_number: orderNumber }).orderBy('line_no'),
    db('payments').where({ order_number: orderNumber }).orderBy('id', 'desc').first(),
    db('refunds').where({ order_number: orderNumber }).sum({ pence: 'amount_pence' }).first(),
    db('order_events').where({ order_number: orderNumber, type: 'tracking_updated' }).orderBy('seq'),
    shipmentsOf(db, orderNumber),
    db('returns').where({ order_number: orderNumber }).orderBy('return_no'),
    db('order_events').where({ order_number: orderNumber, to_status: 'DELIVERED' }).orderBy('seq', 'desc').first('data'),
  ]);
  const outbound = parcels.filter((p) => p.kind === 'outbound');
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
    shipments: outbound.length > 0
      ? outbound.map((p) => ({
          shipmentNo: p.shipmentNo,
          carrier: p.carrier ?? '',
          service: p.service ?? undefined,
          trackingNumber: p.trackingNumber ?? '',
          status: p.status,
          estimatedDelivery: p.estimatedDelivery ?? undefined,
          lines: p.lines,
          exception: p.exception ?? undefined,
          closedAs: ['REPLACED', 'REFUNDED', 'CANCELLED'].includes(p.status) ? p.status : undefined,
          events: p.events,
        }))
      : order.tracking_number
      ? [
          {
            carrier: order.carrier,
            trackingNumber: order.tracking_number,
            status: latest?.data?.status ?? 'LABEL_PURCHASED',
            events: trackingEvents.map((e) => ({ ...(e.data?.latest ?? {}), status: e.data?.status })),
          },
        ]
      : [],
    returns: returns.map((r) => ({ returnNo: r.return_no, lines: r.lines, reason: r.reason, status: r.status, refundPence: r.refund_pence ?? undefined, requestedAt: new Date(r.requested_at).toISOString() })),
    shippingOption: order.shipping_option ?? null,
    promisedDeliveryDate: civilDate(order.promised_delivery_date) ?? null,
    carrierChoice: order.carrier_choice ?? null,
    returnWindowEndsAt: (delivered?.data?.returnWindowEndsAt as string | undefined) ?? null,
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
    shipments: view.shipments ? view.shipments.map((sh) => ({ ...sh })) : view.shipment ? [{ ...view.shipment }] : [],
    returns: (view.returns ?? []).map((r) => ({ ...r })),
    shippingOption: view.shippingOption ?? null,
    promisedDeliveryDate: null, // not in the workflow's state: loadOrder takes it from the read model
    carrierChoice: view.carrierChoice ?? null,
    returnWindowEndsAt: view.returnWindowEndsAt ?? null,
    source: 'workflow',
    createdAt,
  };
}
