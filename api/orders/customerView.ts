import { SHIPMENT_EXCEPTIONS } from '../../workflows/shipping/definitions';
import { ATTENTION_REASONS, CANCEL_REASONS } from '../../workflows/orders/definitions';
import type { OrderEventData, OrderEventType, StatusChangeData } from '../../workflows/orders/events';
import type { ShipmentRecord } from '../shipping/shipmentsView';
import type { OrderResponse } from './orderView';

/**
 * What a customer may see of their own order. Staff views (the admin API, the admin stream) get the events
 * and the order as recorded; the customer's timeline, stream, shipments and order page are built here from
 * an allow-list: an event type not listed below is not shown at all, and of a listed one only the named
 * fields, each checked for its kind. Recorded events carry staff names and e-mails (the actor), notes staff
 * typed, what a carrier costs and how it was ranked, carriers' label URLs and payment ids: none of that is
 * the customer's, and a field added to an event later stays internal until someone lists it here.
 */

/** Who did something, as a customer is told it: a role, never a person. */
export type CustomerRole = 'customer' | 'staff' | 'warehouse' | 'carrier' | 'payment' | 'system';

export function roleOf(actor: string | null | undefined): CustomerRole {
  const kind = /^([a-z-]+)(:|$)/.exec(actor ?? '')?.[1];
  switch (kind) {
    case 'customer':
      return 'customer';
    case 'admin':
    case 'staff':
    case 'support':
    case 'key': // a machine client acting for the store (a named API key)
      return 'staff';
    case 'warehouse':
      return 'warehouse';
    case 'carrier':
      return 'carrier';
    case 'stripe':
      return 'payment';
    default:
      return 'system';
  }
}

/** An order event as the log and the staff stream hold it. */
export interface RecordedEvent {
  id: number;
  seq: number;
  orderNumber?: string;
  type: string;
  fromStatus: string | null;
  toStatus: string | null;
  actor: string;
  reason: string | null;
  data: unknown;
  occurredAt: string;
}

export interface CustomerEvent {
  id: number;
  seq: number;
  orderNumber?: string;
  type: OrderEventType;
  fromStatus: string | null;
  toStatus: string | null;
  actor: CustomerRole;
  reason: string | null;
  data: Record<string, unknown>;
  occurredAt: string;
}

type Data = Record<string, unknown>;
type Field = (value: unknown) => unknown;

const text: Field = (v) => (typeof v === 'string' ? v : undefined);
const whole: Field = (v) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Copies the listed fields that hold what they should; nothing else survives, however deep. */
function pick(source: unknown, fields: Record<string, Field>): Data {
  const out: Data = {};
  if (!isObject(source)) return out;
  for (const [key, field] of Object.entries(fields)) {
    const value = field(source[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
const object = (fields: Record<string, Field>): Field => (v) => (isObject(v) ? pick(v, fields) : undefined);
const list = (fields: Record<string, Field>): Field => (v) => (Array.isArray(v) ? v.filter(isObject).map((x) => pick(x, fields)) : undefined);
const oneOf = (allowed: readonly string[]): Field => (v) => (typeof v === 'string' && allowed.includes(v) ? v : undefined);

const trackingEvent = { status: text, description: text, occurredAt: text, location: text };
const parcelLine = { lineNo: whole, sku: text, quantity: whole };
const returnLine = { ...parcelLine, refundPence: whole };

/** Codes the workflow gives a status change or a parcel problem; free text in `reason` (errors, a carrier's override reason) is not one. */
const REASON_CODES = [...CANCEL_REASONS, ...ATTENTION_REASONS, ...SHIPMENT_EXCEPTIONS, 'ATTENTION_RETRY', 'ALL_LINES_REFUNDED', 'INSUFFICIENT_STOCK'] as const;
const code = oneOf(REASON_CODES);

/** The fields of one event type a customer may see: only names its data has (workflows/orders/events.ts). */
type Fields<D> = { [K in keyof D & string]?: Field };

interface EventRule<T extends OrderEventType = OrderEventType> {
  data: Fields<OrderEventData[T]>;
  /** The event's `reason` as the customer may see it; none when absent. */
  reason?: (e: RecordedEvent) => unknown;
  /** A field only some events of the type may show. */
  extra?: (e: RecordedEvent, data: Data) => Data;
}

const STATUS_FIELDS: Fields<StatusChangeData> = {
  refundedPence: whole,
  amountPence: whole,
  totalPence: whole,
  returnWindowEndsAt: text,
  returnNo: whole,
  shipmentNo: whole,
  carrier: text,
  trackingNumber: text,
  parcels: list({ shipmentNo: whole, carrier: text, trackingNumber: text, status: text }),
  shortLines: list({ sku: text, requested: whole, available: whole }),
};

const RULES: { [T in OrderEventType]?: EventRule<T> } = {
  status_changed: {
    data: STATUS_FIELDS,
    reason: (e) => code(e.reason),
    // The one note a customer reads is the card issuer's decline message, passed on by Stripe; notes staff typed stay with staff.
    extra: (e, data) => {
      const note = text(isObject(e.data) ? e.data.note : undefined);
      return e.reason === 'PAYMENT_FAILED' && roleOf(e.actor) === 'payment' && note !== undefined ? { ...data, note } : data;
    },
  },
  picked: { data: {} },
  shipment_booked: { data: { shipmentNo: whole, carrier: text, service: text, trackingNumber: text, lines: list(parcelLine) } },
  tracking_updated: { data: { shipmentNo: whole, trackingNumber: text, status: text, estimatedDelivery: text, latest: object(trackingEvent) } },
  shipment_exception: { data: { shipmentNo: whole }, reason: (e) => code(e.reason) },
  shipment_resumed: { data: { shipmentNo: whole }, reason: (e) => code(e.reason) },
  reshipped: { data: { shipmentNo: whole, newShipmentNo: whole, lines: list(parcelLine) }, reason: (e) => code(e.reason) },
  lines_refunded: { data: { shipmentNo: whole, lines: list(parcelLine), refundPence: whole }, reason: (e) => code(e.reason) },
  refund_confirmed: { data: { amountRefundedPence: whole } },
  late_payment_refunded: { data: { amountPence: whole } },
  // The customer's own words; a return staff started for them is theirs to see without staff's wording.
  return_requested: { data: { returnNo: whole, lines: list(parcelLine), deliveryRefundPence: whole }, reason: (e) => (roleOf(e.actor) === 'customer' ? text(e.reason) : undefined) },
  return_label_issued: { data: { returnNo: whole, carrier: text, trackingNumber: text } },
  return_tracking_updated: { data: { returnNo: whole, trackingNumber: text, status: text, latest: object(trackingEvent) } },
  return_parcel_exception: { data: { returnNo: whole }, reason: (e) => code(e.reason) },
  return_failed: { data: { returnNo: whole } },
  return_received: { data: { returnNo: whole } },
  return_refunded: { data: { returnNo: whole, refundPence: whole } },
  return_window_closed: { data: {} },
  // Not listed, so never shown: picking_list_planned (carrier ranking), carrier_overridden (cost, who, why),
  // dispute_opened (the store's case with the bank), and any type added later.
};

/** The types a customer is shown; everything else in the log is for staff. */
export const CUSTOMER_EVENT_TYPES = Object.keys(RULES) as readonly OrderEventType[];

const nullable = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The event as its customer sees it, or undefined when they do not see it at all. */
export function customerEvent(e: RecordedEvent): CustomerEvent | undefined {
  // The log's type is a string from the database; only a type the rules list is shown.
  const type = e.type as OrderEventType;
  const rule = Object.prototype.hasOwnProperty.call(RULES, type) ? (RULES[type] as EventRule | undefined) : undefined;
  if (!rule) return undefined;
  const data = pick(e.data, rule.data as Record<string, Field>);
  return {
    id: e.id,
    seq: e.seq,
    ...(e.orderNumber !== undefined ? { orderNumber: e.orderNumber } : {}),
    type,
    fromStatus: nullable(e.fromStatus),
    toStatus: nullable(e.toStatus),
    actor: roleOf(e.actor),
    reason: nullable(rule.reason?.(e)),
    data: rule.extra ? rule.extra(e, data) : data,
    occurredAt: e.occurredAt,
  };
}

export function customerTimeline(events: readonly RecordedEvent[]): CustomerEvent[] {
  return events.map(customerEvent).filter((e): e is CustomerEvent => e !== undefined);
}

const outboundParcel = {
  shipmentNo: whole,
  carrier: text,
  service: text,
  trackingNumber: text,
  status: text,
  estimatedDelivery: text,
  lines: list(parcelLine),
  // Which kind of problem, for the page's words; the carrier's or our detail is for staff.
  exception: object({ reason: text }),
  closedAs: text,
  events: list(trackingEvent),
};

const orderReturn = { returnNo: whole, lines: list(returnLine), reason: text, status: text, trackingNumber: text, carrier: text, refundPence: whole, requestedAt: text };

export type CustomerOrder = Omit<OrderResponse, 'timeline' | 'shipments' | 'returns' | 'carrierChoice'> & {
  shipments: Data[];
  returns: Data[];
  carrierChoice: { carrier: string; service: string } | null;
  timeline: CustomerEvent[];
};

/** The order response for its customer: the fields the order page uses, each parcel and return by allow-list. */
export function customerOrder(order: OrderResponse): CustomerOrder {
  return {
    orderId: order.orderId,
    status: order.status,
    cancelReason: order.cancelReason,
    attentionReason: order.attentionReason,
    email: order.email,
    name: order.name,
    lines: order.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, productName: l.productName, size: l.size, quantity: l.quantity, unitPricePence: l.unitPricePence, lineTotalPence: l.lineTotalPence, vatPence: l.vatPence })),
    totals: { currency: order.totals.currency, subtotalPence: order.totals.subtotalPence, shippingPence: order.totals.shippingPence, vatPence: order.totals.vatPence, totalPence: order.totals.totalPence },
    // The PaymentIntent id is in the client secret the customer's browser already holds.
    payment: order.payment ? { paymentIntentId: order.payment.paymentIntentId, status: order.payment.status, amountPence: order.payment.amountPence } : null,
    refundedPence: order.refundedPence,
    shipments: order.shipments.map((s) => pick(s, outboundParcel)),
    returns: order.returns.map((r) => pick(r, orderReturn)),
    shippingOption: order.shippingOption,
    promisedDeliveryDate: order.promisedDeliveryDate,
    // What we pay the carrier and how it ranked is the store's business, not the customer's.
    carrierChoice: order.carrierChoice ? { carrier: order.carrierChoice.carrier, service: order.carrierChoice.service } : null,
    returnWindowEndsAt: order.returnWindowEndsAt,
    timeline: customerTimeline(order.timeline),
    source: order.source,
    createdAt: order.createdAt,
  };
}

const parcelRecord = {
  ...outboundParcel,
  kind: oneOf(['outbound', 'return']),
  bookedAt: text,
  deliveredAt: text,
};

/** GET /api/orders/:id/shipments for the customer: weights, problem details and replacement links stay with staff. */
export function customerShipments(records: readonly ShipmentRecord[]): Data[] {
  return records.map((r) => {
    const parcel = pick(r, parcelRecord);
    // A parcel that never had a problem or a date says so, as before: null, not a missing field.
    for (const key of ['carrier', 'service', 'trackingNumber', 'estimatedDelivery', 'exception', 'bookedAt', 'deliveredAt'] as const) parcel[key] ??= null;
    return parcel;
  });
}
