import type { Request } from 'express';
import type { OrderEventType } from '../../workflows/orders/events';

/**
 * Warehouse staff (and warehouse-scoped keys) see what picking and packing need: the order, its lines, its
 * parcels, the name a label carries and the fulfilment steps of the timeline. Not the customer's e-mail, payments,
 * refunds, totals, notes or the rest of the timeline.
 */
export function warehouseOnly(req: Request): boolean {
  if (req.staff) return req.staff.role === 'warehouse';
  if (req.apiKey) return !req.apiKey.scopes.some((s) => s === 'admin' || s === 'support');
  return false;
}

const WAREHOUSE_ORDER_FIELDS = ['orderId', 'status', 'attentionReason', 'cancelReason', 'name', 'lines', 'shipments', 'shippingOption', 'promisedDeliveryDate', 'carrierChoice', 'source', 'createdAt'] as const;

/** The fulfilment steps and who did them (colleagues' names are the warehouse's business); no money, notes or customer data. */
const WAREHOUSE_EVENT_TYPES = new Set<string>(['status_changed', 'picked', 'picking_list_planned', 'shipment_booked', 'tracking_updated', 'reshipped'] satisfies OrderEventType[]);
const WAREHOUSE_EVENT_DATA = ['parcels', 'shipmentNo', 'newShipmentNo', 'trackingNumber', 'carrier', 'service', 'status'] as const;

interface TimelineEvent {
  type: string;
  data?: Record<string, unknown> | null;
  [field: string]: unknown;
}

function warehouseTimeline(timeline: unknown): TimelineEvent[] | undefined {
  if (!Array.isArray(timeline)) return undefined;
  return (timeline as TimelineEvent[])
    .filter((e) => WAREHOUSE_EVENT_TYPES.has(e.type))
    .map(({ data, note: _note, ...event }) => ({
      ...event,
      data: Object.fromEntries(WAREHOUSE_EVENT_DATA.filter((k) => data && k in data).map((k) => [k, (data as Record<string, unknown>)[k]])),
    }));
}

export function warehouseOrderView<T extends Record<string, unknown>>(order: T): Partial<T> {
  const view = Object.fromEntries(WAREHOUSE_ORDER_FIELDS.filter((k) => k in order).map((k) => [k, order[k]])) as Record<string, unknown>;
  const timeline = warehouseTimeline(order.timeline);
  if (timeline) view.timeline = timeline;
  return view as Partial<T>;
}
