/**
 * Every event an order's log can hold, with the shape of its data: the workflow's record(), the announcement
 * table, the API's timeline and allow-list, and the SSE frames are typed against this one table, so a misspelt
 * type or a missing field does not compile. Types only (no runtime imports): workflows, activities and the API
 * all import it.
 */
import type { AttentionReason, CancelReason, OrderStatus, ParcelInput, ShortLine } from './definitions';
import type { ParcelLine, TrackingEventView } from '../shipping/definitions';

interface LineWithRefund extends ParcelLine {
  refundPence: number;
}

interface ParcelProgress {
  shipmentNo?: number;
  carrier: string;
  trackingNumber: string;
  status: string;
}

/**
 * A status change says why in `reason` and carries what the step produced; which fields depend on the step
 * (checkout carries the PaymentIntent, PACKED its parcels, a cancellation what was restocked and refunded).
 */
export type StatusChangeData = {
  paymentIntentId?: string;
  totalPence?: number;
  amountPence?: number;
  stripeEventId?: string;
  warehouse?: string;
  pickingList?: Array<{ sku: string; quantity: number }>;
  /** PACKED: the warehouse's parcels; a parcel-driven change: each live parcel's progress. */
  parcels?: ParcelInput[] | ParcelProgress[];
  shortLines?: ShortLine[];
  restoredUnits?: number;
  refundedPence?: number;
  refundId?: string;
  note?: string;
  detail?: string;
  resumeAt?: OrderStatus;
  shipmentNo?: number;
  trackingNumber?: string;
  /** Written by the single-parcel shipping of the pre-release builds; kept so old rows still type. */
  carrier?: string;
  action?: string;
  returnNo?: number;
  returnWindowEndsAt?: string;
};

/** The data of each event type (type aliases, not interfaces: each must also be a plain JSON record). */
export interface OrderEventData {
  status_changed: StatusChangeData;
  picking_list_planned: { parcels: unknown[]; carrier: string; service: string; reason: string };
  picked: { warehouse: string };
  carrier_overridden: { carrier: string; service: string; costPence: number; reason: string; overriddenBy?: string; note?: string };
  shipment_booked: { shipmentNo?: number; carrier: string; service?: string; trackingNumber: string; labelUrl?: string; lines?: ParcelLine[]; weightGrams?: number };
  tracking_updated: { shipmentNo?: number; trackingNumber: string; status: string; latest?: TrackingEventView; estimatedDelivery?: string };
  shipment_exception: { shipmentNo?: number; detail: string };
  shipment_resumed: { shipmentNo?: number; action: string; note?: string };
  reshipped: { shipmentNo?: number; newShipmentNo: number; lines: ParcelLine[]; note?: string };
  lines_refunded: { shipmentNo?: number; lines: ParcelLine[]; refundPence: number; refundId: string; note?: string };
  return_requested: { returnNo: number; lines: LineWithRefund[]; deliveryRefundPence: number };
  return_label_issued: { returnNo: number; carrier: string; trackingNumber: string };
  return_tracking_updated: { returnNo: number; trackingNumber?: string; status: string; latest?: TrackingEventView };
  return_parcel_exception: { returnNo: number; detail: string };
  return_failed: { returnNo: number };
  return_received: { returnNo: number; restoredUnits: number };
  return_refunded: { returnNo: number; refundPence: number; refundId: string };
  return_window_closed: Record<string, never>;
  refund_confirmed: { paymentIntentId: string; amountRefundedPence: number; stripeEventId: string };
  dispute_opened: { amountPence: number; stripeEventId: string };
  late_payment_refunded: { paymentIntentId: string; amountPence: number; refundId: string; stripeEventId?: string };
  payment_mismatch: {
    detail: string;
    outcome: string;
    paymentIntentId: string;
    amountPence: number;
    currency?: string;
    stripeEventId: string;
    expected: { paymentIntentId: string; amountPence: number; currency: string };
    refunding: boolean;
  };
  payment_mismatch_refunded: { paymentIntentId: string; amountPence: number; currency?: string; refundId: string };
  data_rejected: { detail: string; eventType: OrderEventType; recorded: boolean };
  access_revoked: { tokens: number; sessions: number; links: number; rotated: boolean };
}

export type OrderEventType = keyof OrderEventData;

/** Read-model columns an event changes, written in the same transaction as the event. */
export interface ReadModelPatch {
  status?: OrderStatus;
  cancelReason?: CancelReason | null;
  attentionReason?: AttentionReason | null;
  paymentIntentId?: string;
  carrier?: string;
  trackingNumber?: string;
}

/** What the database refused, written beside the data of an event that had to be cleaned to be recorded. */
export type Rejection = {
  dataRejected?: string;
};

interface EventOf<T extends OrderEventType> {
  type: T;
  actor: string;
  reason?: string;
  data?: OrderEventData[T] & Rejection;
  readModel?: ReadModelPatch;
}

interface StatusChangeEvent extends EventOf<'status_changed'> {
  fromStatus: OrderStatus;
  toStatus: OrderStatus;
}

/** One order event as its writer states it (without order number and key). */
export type OrderEvent = { [T in OrderEventType]: T extends 'status_changed' ? StatusChangeEvent : EventOf<T> & { fromStatus?: undefined; toStatus?: undefined } }[OrderEventType];

/** An event of one type, for code that handles only that type. */
export type OrderEventOf<T extends OrderEventType> = Extract<OrderEvent, { type: T }>;

/** Every type, for allow-lists and filters that must name only real types. */
export const ORDER_EVENT_TYPES = [
  'status_changed',
  'picking_list_planned',
  'picked',
  'carrier_overridden',
  'shipment_booked',
  'tracking_updated',
  'shipment_exception',
  'shipment_resumed',
  'reshipped',
  'lines_refunded',
  'return_requested',
  'return_label_issued',
  'return_tracking_updated',
  'return_parcel_exception',
  'return_failed',
  'return_received',
  'return_refunded',
  'return_window_closed',
  'refund_confirmed',
  'dispute_opened',
  'late_payment_refunded',
  'payment_mismatch',
  'payment_mismatch_refunded',
  'data_rejected',
  'access_revoked',
] as const satisfies readonly OrderEventType[];

// Compile-time check that the list above names every type.
type Missing = Exclude<OrderEventType, (typeof ORDER_EVENT_TYPES)[number]>;
const everyTypeListed: Missing extends never ? true : Missing = true;
void everyTypeListed;

export const isOrderEventType = (type: string): type is OrderEventType => (ORDER_EVENT_TYPES as readonly string[]).includes(type);
