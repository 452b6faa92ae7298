import type { Knex } from 'knex';
import type { Db } from '../../db/connection';
import { CLOSED_SHIPMENT_STATUSES, SHIPMENT_ATTENTION_REASONS, type ShipmentSearchQuery } from './schemas';

/** The store's days run on London time: a range of calendar days starts and ends at London midnight. */
const LONDON_DAY_START = "((?::date)::timestamp AT TIME ZONE 'Europe/London')";
const LONDON_DAY_END = "((?::date + 1)::timestamp AT TIME ZONE 'Europe/London')";

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
const closed = CLOSED_SHIPMENT_STATUSES.map((s) => `'${s}'`).join(', ');

export interface ShipmentRow {
  orderId: string;
  shipmentNo: number;
  kind: 'outbound' | 'return';
  carrier: string | null;
  service: string | null;
  trackingNumber: string | null;
  status: string;
  exceptionReason: string | null;
  exceptionDetail: string | null;
  email: string;
  zone: string | null;
  orderStatus: string;
  promisedDeliveryDate: string | null;
  estimatedDelivery: string | null;
  createdAt: string;
  bookedAt: string | null;
  deliveredAt: string | null;
  lastEventAt: string | null;
  orderUrl: string;
  labelUrl: string | null;
}

/** Each parcel with what the dashboard shows of its order; the date comes out as text so no time zone shifts it. */
function shipmentColumns(db: Db) {
  return [
    's.order_number',
    's.shipment_no',
    's.kind',
    's.carrier',
    's.service',
    's.tracking_number',
    's.status',
    's.exception_reason',
    's.exception_detail',
    's.estimated_delivery',
    's.created_at',
    's.booked_at',
    's.delivered_at',
    's.last_event_at',
    'o.email',
    'o.shipping_zone',
    'o.status as order_status',
    db.raw("to_char(o.promised_delivery_date, 'YYYY-MM-DD') as promised"),
  ];
}

function toShipmentRow(r: Record<string, any>): ShipmentRow {
  const order = encodeURIComponent(r.order_number);
  // A label exists once the carrier gave a tracking number, and is void once the parcel was closed
  // (the label routes answer 409 then): no link to a dead end.
  const labelled = r.tracking_number && !(CLOSED_SHIPMENT_STATUSES as readonly string[]).includes(r.status);
  return {
    orderId: r.order_number,
    shipmentNo: r.shipment_no,
    kind: r.kind,
    carrier: r.carrier,
    service: r.service,
    trackingNumber: r.tracking_number,
    status: r.status,
    exceptionReason: r.exception_reason,
    exceptionDetail: r.exception_detail,
    email: r.email,
    zone: r.shipping_zone,
    orderStatus: r.order_status,
    promisedDeliveryDate: r.promised,
    estimatedDelivery: iso(r.estimated_delivery),
    createdAt: iso(r.created_at) as string,
    bookedAt: iso(r.booked_at),
    deliveredAt: iso(r.delivered_at),
    lastEventAt: iso(r.last_event_at),
    orderUrl: `/admin/orders/${order}`,
    labelUrl: labelled ? `/api/admin/orders/${order}/${r.kind === 'return' ? 'returns' : 'shipments'}/${r.shipment_no}/label.pdf` : null,
  };
}

export async function searchShipments(db: Db, q: ShipmentSearchQuery): Promise<{ shipments: ShipmentRow[]; total: number }> {
  const filtered = (): Knex.QueryBuilder => {
    const query = db('shipments as s').join('orders as o', 'o.order_number', 's.order_number');
    // The schemas allow only letters, digits and '-', so no LIKE wildcard can come from the client.
    if (q.orderId) query.whereRaw('s.order_number ILIKE ?', [`%${q.orderId}%`]);
    if (q.trackingNumber) query.whereRaw('s.tracking_number ILIKE ?', [`%${q.trackingNumber}%`]);
    if (q.email) query.where('o.email', q.email);
    if (q.carrier) query.where('s.carrier', q.carrier);
    if (q.status) query.where('s.status', q.status);
    if (q.kind) query.where('s.kind', q.kind);
    if (q.from) query.whereRaw(`s.created_at >= ${LONDON_DAY_START}`, [q.from]);
    if (q.to) query.whereRaw(`s.created_at < ${LONDON_DAY_END}`, [q.to]);
    return query;
  };
  const [rows, [{ total }]] = await Promise.all([
    filtered()
      .select(shipmentColumns(db))
      .orderBy([{ column: 's.created_at', order: 'desc' }, { column: 's.id', order: 'desc' }])
      .limit(q.limit)
      .offset(q.offset),
    filtered().count<{ total: number }[]>({ total: '*' }),
  ]);
  return { shipments: rows.map(toShipmentRow), total: Number(total) };
}

export interface CarrierPerformance {
  carrier: string;
  booked: number;
  delivered: number;
  withPromise: number;
  onTime: number;
  onTimePerMille: number | null;
  medianHours: number | null;
  p90Hours: number | null;
}

export interface CarrierZoneCost {
  carrier: string;
  zone: string | null;
  parcels: number;
  totalCostPence: number;
  costPerParcelPence: number;
}

const hours = (v: string | number | null): number | null => (v === null ? null : Number(v));

/**
 * Outbound parcels booked between `from` and `to` (London days, both included), per carrier. On time means
 * delivered on or before the order's promised date, that date read in London; orders from before promises
 * existed have none and stay out of the rate (but not out of the delivery times). Percentiles are continuous
 * (interpolated), as PostgreSQL's percentile_cont computes them.
 */
export async function carrierPerformance(db: Db, from: string, to: string): Promise<CarrierPerformance[]> {
  const { rows } = await db.raw(
    `SELECT s.carrier,
            count(*)::int AS booked,
            count(*) FILTER (WHERE s.delivered_at IS NOT NULL)::int AS delivered,
            count(*) FILTER (WHERE s.delivered_at IS NOT NULL AND o.promised_delivery_date IS NOT NULL)::int AS with_promise,
            count(*) FILTER (WHERE (s.delivered_at AT TIME ZONE 'Europe/London')::date <= o.promised_delivery_date)::int AS on_time,
            round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.delivered_at - s.booked_at)) FILTER (WHERE s.delivered_at IS NOT NULL) / 3600)::numeric, 1) AS median_hours,
            round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM s.delivered_at - s.booked_at)) FILTER (WHERE s.delivered_at IS NOT NULL) / 3600)::numeric, 1) AS p90_hours
       FROM shipments s JOIN orders o ON o.order_number = s.order_number
      WHERE s.kind = 'outbound' AND s.carrier IS NOT NULL
        AND s.booked_at >= ${LONDON_DAY_START} AND s.booked_at < ${LONDON_DAY_END}
      GROUP BY s.carrier
      ORDER BY s.carrier`,
    [from, to],
  );
  return rows.map((r: Record<string, any>) => ({
    carrier: r.carrier,
    booked: r.booked,
    delivered: r.delivered,
    withPromise: r.with_promise,
    onTime: r.on_time,
    // Integer arithmetic only: the rate is a whole number of per-mille, rounded half up.
    onTimePerMille: r.with_promise > 0 ? Math.floor((2000 * r.on_time + r.with_promise) / (2 * r.with_promise)) : null,
    medianHours: hours(r.median_hours),
    p90Hours: hours(r.p90_hours),
  }));
}

/**
 * What the parcels booked in the range cost us, per carrier and zone. We have no invoice per parcel (the
 * shipments' cost_pence is not filled): the order's carrier_choice.costPence, the carrier's price for all of
 * the order's parcels, is divided over its live outbound parcels (not cancelled, replaced or refunded: a
 * reship takes the place of the parcel it replaces). Integer pence: each parcel gets the quotient and the
 * first `remainder` parcels one penny more, so an order's shares add up to its cost exactly.
 */
export async function carrierCosts(db: Db, from: string, to: string): Promise<CarrierZoneCost[]> {
  const { rows } = await db.raw(
    `WITH live AS (
       SELECT s.order_number, s.carrier, s.booked_at,
              row_number() OVER (PARTITION BY s.order_number ORDER BY s.shipment_no) AS k,
              count(*) OVER (PARTITION BY s.order_number) AS n
         FROM shipments s
        WHERE s.kind = 'outbound' AND s.status NOT IN (${closed})
     ), shares AS (
       SELECT l.carrier, o.shipping_zone AS zone,
              (o.carrier_choice->>'costPence')::bigint / l.n
                + CASE WHEN l.k <= (o.carrier_choice->>'costPence')::bigint % l.n THEN 1 ELSE 0 END AS share
         FROM live l JOIN orders o ON o.order_number = l.order_number
        WHERE l.carrier IS NOT NULL AND o.carrier_choice->>'costPence' IS NOT NULL
          AND l.booked_at >= ${LONDON_DAY_START} AND l.booked_at < ${LONDON_DAY_END}
     )
     SELECT carrier, zone, count(*)::int AS parcels, sum(share)::bigint AS total
       FROM shares GROUP BY carrier, zone ORDER BY carrier, zone NULLS LAST`,
    [from, to],
  );
  return rows.map((r: Record<string, any>) => {
    const total = Number(r.total);
    return { carrier: r.carrier, zone: r.zone, parcels: r.parcels, totalCostPence: total, costPerParcelPence: Math.floor((2 * total + r.parcels) / (2 * r.parcels)) };
  });
}

export interface AttentionOrder {
  orderId: string;
  attentionReason: string;
  email: string;
  updatedAt: string;
  parcelsInException: number;
  orderUrl: string;
}

const ISSUE_LIMIT = 200;

/**
 * What needs a person: parcels the shipment workflow flagged, orders parked in NEEDS_ATTENTION for a parcel,
 * and parcels going quiet before the workflow itself calls them STALE (the warning comes early on purpose).
 */
export async function shippingIssues(db: Db, staleAfterSeconds: number) {
  const reasons = SHIPMENT_ATTENTION_REASONS as readonly string[];
  const [exceptions, attention, stale] = await Promise.all([
    db('shipments as s')
      .join('orders as o', 'o.order_number', 's.order_number')
      .whereNotNull('s.exception_reason')
      .whereNotIn('s.status', CLOSED_SHIPMENT_STATUSES)
      .select(shipmentColumns(db))
      .orderBy([{ column: 's.updated_at', order: 'desc' }, { column: 's.id', order: 'desc' }])
      .limit(ISSUE_LIMIT),
    db('orders as o')
      .where('o.status', 'NEEDS_ATTENTION')
      .whereIn('o.attention_reason', reasons)
      .select(
        'o.order_number',
        'o.attention_reason',
        'o.email',
        'o.updated_at',
        db.raw(`(SELECT count(*)::int FROM shipments s WHERE s.order_number = o.order_number AND s.exception_reason IS NOT NULL AND s.status NOT IN (${closed})) AS flagged`),
      )
      .orderBy([{ column: 'o.updated_at' }, { column: 'o.order_number' }])
      .limit(ISSUE_LIMIT),
    // Only parcels a carrier has (a tracking number, not delivered, not closed) can go quiet; those already
    // in exception are listed above. No news yet counts from the booking.
    db('shipments as s')
      .join('orders as o', 'o.order_number', 's.order_number')
      .whereNotNull('s.tracking_number')
      .whereNull('s.exception_reason')
      .whereNotIn('s.status', ['DELIVERED', ...CLOSED_SHIPMENT_STATUSES])
      .whereRaw('coalesce(s.last_event_at, s.booked_at) < now() - ? * interval \'1 second\'', [staleAfterSeconds])
      .select([...shipmentColumns(db), db.raw('floor(extract(epoch FROM now() - coalesce(s.last_event_at, s.booked_at)) / 3600)::int AS silent_hours')])
      .orderByRaw('coalesce(s.last_event_at, s.booked_at), s.id')
      .limit(ISSUE_LIMIT),
  ]);
  return {
    exceptions: exceptions.map(toShipmentRow),
    attention: attention.map(
      (r): AttentionOrder => ({
        orderId: r.order_number,
        attentionReason: r.attention_reason,
        email: r.email,
        updatedAt: iso(r.updated_at) as string,
        parcelsInException: r.flagged,
        orderUrl: `/admin/orders/${encodeURIComponent(r.order_number)}`,
      }),
    ),
    stale: stale.map((r) => ({ ...toShipmentRow(r), silentHours: r.silent_hours as number })),
    limit: ISSUE_LIMIT,
  };
}
