import { randomInt } from 'node:crypto';
import type { Db } from '../../db/connection';

/**
 * Orders and parcels written straight into the tables the shipping dashboard reads, with the exact dates,
 * promises and costs a test needs (the workflows would take days of simulated carrier time to make them).
 */
const CODE = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const fixtureOrderNumber = (date = '210601'): string => `DY-${date}-${Array.from({ length: 5 }, () => CODE[randomInt(CODE.length)]).join('')}`;

export interface FixtureOrder {
  orderNumber: string;
  email: string;
}

export async function insertOrder(
  db: Db,
  o: { zone?: string | null; promised?: string | null; costPence?: number | null; carrier?: string; status?: string; attentionReason?: string | null; createdAt?: string; email?: string },
): Promise<FixtureOrder> {
  const orderNumber = fixtureOrderNumber();
  const email = o.email ?? `ship.${orderNumber.slice(-5).toLowerCase()}@example.com`;
  await db('orders').insert({
    order_number: orderNumber,
    workflow_id: `order-${orderNumber}`,
    status: o.status ?? 'SHIPPED',
    attention_reason: o.attentionReason ?? null,
    email,
    name: 'Alex Morgan',
    shipping_address: JSON.stringify({ line1: '1 Shoreditch High Street', city: 'London', postcode: 'E1 6PQ', country: 'GB' }),
    subtotal_pence: 3500,
    shipping_pence: 339,
    total_pence: 3839,
    vat_pence: 640,
    shipping_option: 'standard',
    shipping_zone: o.zone === undefined ? 'UK' : o.zone,
    promised_delivery_date: o.promised ?? null,
    carrier_choice: o.costPence === null || o.costPence === undefined ? null : JSON.stringify({ carrier: o.carrier ?? 'dpd', service: 'parcel', costPence: o.costPence, reason: 'test fixture' }),
    created_at: o.createdAt ?? new Date().toISOString(),
  });
  return { orderNumber, email };
}

export async function insertShipment(
  db: Db,
  order: FixtureOrder,
  s: {
    n: number;
    kind?: 'outbound' | 'return';
    carrier?: string | null;
    status: string;
    tracking?: string | null;
    booked?: string | null;
    delivered?: string | null;
    lastEvent?: string | null;
    created?: string;
    exception?: string | null;
    detail?: string | null;
    replaces?: number;
  },
): Promise<void> {
  const kind = s.kind ?? 'outbound';
  const booked = s.booked ?? null;
  await db('shipments').insert({
    order_number: order.orderNumber,
    kind,
    shipment_no: s.n,
    workflow_id: `${kind === 'return' ? 'return' : 'shipment'}-${order.orderNumber}-${s.n}`,
    carrier: s.carrier === undefined ? 'dpd' : s.carrier,
    service: 'parcel',
    tracking_number: s.tracking === undefined ? (booked ? `TRK${order.orderNumber.slice(-5)}${kind === 'return' ? 'R' : 'P'}${s.n}` : null) : s.tracking,
    status: s.status,
    weight_grams: 800,
    lines: JSON.stringify([{ lineNo: 1, sku: 'DY-HEAVYWEIGHT-TEE-BLACK-M', quantity: 1 }]),
    exception_reason: s.exception ?? null,
    exception_detail: s.detail ?? null,
    replaces_shipment_no: s.replaces ?? null,
    booked_at: booked,
    delivered_at: s.delivered ?? null,
    last_event_at: s.lastEvent ?? s.delivered ?? booked,
    created_at: s.created ?? booked ?? new Date().toISOString(),
  });
}
