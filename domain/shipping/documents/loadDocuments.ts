import { z } from 'zod';
import type { Db } from '../../../db/connection';
import { logger } from '../../../lib/logger';
import { addressSchema } from '../carriers/carrier';
import type { LabelInput, ShipmentKind } from './labelPdf';
import { plannedParcelSchema, type PickingOrder } from './pickingList';

/** Orders the warehouse may still have to pick: paid, not yet packed. */
export const PICKABLE_STATUSES = ['PAID', 'PROCESSING', 'PICKING'] as const;
export type PickableStatus = (typeof PICKABLE_STATUSES)[number];

/** Statuses before payment or after cancellation: stock must not leave the shelf for these. */
export const UNPICKABLE_STATUSES = ['PENDING', 'AWAITING_PAYMENT', 'OUT_OF_STOCK', 'CANCELLED', 'REFUNDED'] as const;

/**
 * The order workflow's parcel plan, written as an `order_events` row of this type with
 * `data: { parcels: [{ lines: [{ lineNo, sku, quantity }], weightGrams }] }`; the latest one wins.
 */
export const PICKING_LIST_PLANNED_EVENT = 'picking_list_planned';
export const pickingListPlannedDataSchema = z.object({ parcels: z.array(plannedParcelSchema).min(1) });
export type PickingListPlannedData = z.infer<typeof pickingListPlannedDataSchema>;

/** A label for a parcel in one of these is void: printing it would send a parcel nobody is tracking. */
const VOID_SHIPMENT_STATUSES = ['CANCELLED', 'REPLACED', 'REFUNDED'];

export type LabelLookup =
  | { found: true; label: LabelInput }
  | { found: false; reason: 'NO_SHIPMENT' | 'NO_TRACKING_NUMBER' | 'LABEL_VOID' | 'ADDRESS_UNAVAILABLE'; message: string };

export async function loadLabel(db: Db, ref: { orderNumber: string; kind: ShipmentKind; shipmentNo: number }): Promise<LabelLookup> {
  const what = ref.kind === 'return' ? `return ${ref.shipmentNo}` : `shipment ${ref.shipmentNo}`;
  const row = await db('shipments as s')
    .join('orders as o', 'o.order_number', 's.order_number')
    .where({ 's.order_number': ref.orderNumber, 's.kind': ref.kind, 's.shipment_no': ref.shipmentNo })
    .first('s.shipment_no', 's.carrier', 's.service', 's.tracking_number', 's.status', 's.weight_grams', 's.booked_at', 's.created_at', 'o.name', 'o.shipping_address', 'o.carrier as order_carrier');
  if (!row) return { found: false, reason: 'NO_SHIPMENT', message: `order ${ref.orderNumber} has no ${what}` };
  if (VOID_SHIPMENT_STATUSES.includes(row.status)) return { found: false, reason: 'LABEL_VOID', message: `${what} of order ${ref.orderNumber} is ${row.status}: its label is void` };
  if (!row.tracking_number) return { found: false, reason: 'NO_TRACKING_NUMBER', message: `${what} of order ${ref.orderNumber} has no tracking number yet (it is ${row.status}): the carrier has not booked it` };
  const address = addressSchema.safeParse(row.shipping_address);
  // Erasure keeps only country and postcode district: there is no address left to print.
  if (!address.success) return { found: false, reason: 'ADDRESS_UNAVAILABLE', message: `order ${ref.orderNumber} has no complete shipping address (erased or incomplete)` };

  const live = await db('shipments')
    .where({ order_number: ref.orderNumber, kind: ref.kind })
    .whereNotIn('status', VOID_SHIPMENT_STATUSES)
    .orderBy('shipment_no')
    .pluck('shipment_no');
  return {
    found: true,
    label: {
      kind: ref.kind,
      orderNumber: ref.orderNumber,
      parcelNo: live.indexOf(row.shipment_no) + 1,
      parcelCount: live.length,
      carrier: row.carrier ?? row.order_carrier ?? 'carrier',
      service: row.service ?? null,
      trackingNumber: row.tracking_number,
      weightGrams: row.weight_grams,
      customer: { name: row.name, address: address.data },
      issuedAt: new Date(row.booked_at ?? row.created_at),
    },
  };
}

interface OrderRow {
  order_number: string;
  status: string;
  name: string;
  shipping_option: string | null;
  created_at: Date | string;
}

const ORDER_COLUMNS = ['order_number', 'status', 'name', 'shipping_option', 'created_at'];

async function withLinesAndSplit(db: Db, orders: OrderRow[]): Promise<PickingOrder[]> {
  const numbers = orders.map((o) => o.order_number);
  const [lines, plans] = await Promise.all([
    db('order_lines as l')
      .join('skus as k', 'k.sku', 'l.sku')
      .join('products as p', 'p.id', 'k.product_id')
      .whereIn('l.order_number', numbers)
      .orderBy(['l.order_number', 'l.line_no'])
      .select('l.order_number', 'l.line_no', 'l.sku', 'l.product_name', 'l.size', 'l.quantity', 'p.weight_grams'),
    db('order_events').whereIn('order_number', numbers).andWhere({ type: PICKING_LIST_PLANNED_EVENT }).orderBy('seq', 'desc').select('order_number', 'seq', 'data'),
  ]);

  return orders.map((o) => {
    const mine = lines.filter((l) => l.order_number === o.order_number);
    const latest = plans.find((p) => p.order_number === o.order_number);
    let parcels = latest ? pickingListPlannedDataSchema.safeParse(latest.data) : undefined;
    if (parcels && !parcels.success) {
      // A malformed plan must not stop the warehouse: fall back to one parcel and say so in the logs.
      logger.warn({ orderNumber: o.order_number, seq: latest?.seq, issues: parcels.error.issues }, 'picking_list_planned event has no usable parcels; suggesting one parcel');
      parcels = undefined;
    }
    const planned = parcels?.success ? parcels.data.parcels : undefined;
    const weightGrams = mine.reduce((g, l) => g + l.weight_grams * l.quantity, 0);
    return {
      orderNumber: o.order_number,
      status: o.status,
      createdAt: new Date(o.created_at),
      customerName: o.name,
      serviceLevel: o.shipping_option,
      lines: mine.map((l) => ({ lineNo: l.line_no, sku: l.sku, productName: l.product_name, size: l.size, quantity: l.quantity })),
      parcels: planned ?? (mine.length > 0 ? [{ lines: mine.map((l) => ({ lineNo: l.line_no, sku: l.sku, quantity: l.quantity })), weightGrams: Math.max(1, weightGrams) }] : []),
      splitSource: planned ? 'planned' : 'default',
    };
  });
}

/** The batch: orders in the given statuses (all pickable ones by default), oldest first, as the warehouse works. */
export async function loadPickingOrders(db: Db, opts: { statuses?: readonly PickableStatus[]; limit?: number } = {}): Promise<PickingOrder[]> {
  const orders: OrderRow[] = await db('orders')
    .whereIn('status', [...(opts.statuses ?? PICKABLE_STATUSES)])
    .orderBy([{ column: 'created_at' }, { column: 'order_number' }])
    .limit(opts.limit ?? 500)
    .select(ORDER_COLUMNS);
  return withLinesAndSplit(db, orders);
}

/** One order in whatever status: callers decide whether that status may be picked. */
export async function loadPickingOrder(db: Db, orderNumber: string): Promise<PickingOrder | undefined> {
  const order: OrderRow | undefined = await db('orders').where({ order_number: orderNumber }).first(ORDER_COLUMNS);
  if (!order) return undefined;
  const [loaded] = await withLinesAndSplit(db, [order]);
  return loaded;
}
