import type { Db } from '../../db/connection';

export interface ShipmentRecord {
  shipmentNo: number;
  kind: 'outbound' | 'return';
  carrier: string | null;
  service: string | null;
  trackingNumber: string | null;
  status: string;
  weightGrams: number;
  lines: Array<{ lineNo: number; sku: string; quantity: number }>;
  estimatedDelivery: string | null;
  exception: { reason: string; detail: string | null } | null;
  replacesShipmentNo: number | null;
  bookedAt: string | null;
  deliveredAt: string | null;
  events: Array<{ status: string; occurredAt: string; description: string; location: string | null }>;
}

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

/** Every parcel of an order with its whole tracking history, from the tables the shipment workflows keep. */
export async function shipmentsOf(db: Db, orderNumber: string): Promise<ShipmentRecord[]> {
  const rows = await db('shipments').where({ order_number: orderNumber }).orderBy([{ column: 'kind', order: 'desc' }, 'shipment_no']);
  if (rows.length === 0) return [];
  const events = await db('shipment_events').whereIn('shipment_id', rows.map((r) => r.id)).orderBy(['occurred_at', 'id']);
  return rows.map((r) => ({
    shipmentNo: r.shipment_no,
    kind: r.kind,
    carrier: r.carrier,
    service: r.service,
    trackingNumber: r.tracking_number,
    status: r.status,
    weightGrams: r.weight_grams,
    lines: r.lines,
    estimatedDelivery: iso(r.estimated_delivery),
    exception: r.exception_reason ? { reason: r.exception_reason, detail: r.exception_detail } : null,
    replacesShipmentNo: r.replaces_shipment_no,
    bookedAt: iso(r.booked_at),
    deliveredAt: iso(r.delivered_at),
    events: events
      .filter((e) => e.shipment_id === r.id)
      .map((e) => ({ status: e.status, occurredAt: new Date(e.occurred_at).toISOString(), description: e.description, location: e.location })),
  }));
}
