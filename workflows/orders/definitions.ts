/**
 * The order workflow's contract: its input, state, signals, updates and queries. Imported by the workflow,
 * the activities and the API, so none of them can drift. Runtime imports stay bundle-safe (no zod here:
 * the API's schemas in api/orders/schemas.ts derive from these constants).
 */
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'OUT_OF_STOCK',
  'PAID',
  'PROCESSING',
  'PICKING',
  'PACKED',
  'SHIPPED',
  'DELIVERED',
  'NEEDS_ATTENTION',
  'CANCELLED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['OUT_OF_STOCK', 'CANCELLED', 'REFUNDED'];
/** From SHIPPED on, the parcel is with the carrier: a return, not a cancellation. */
export const CANCELLABLE_STATUSES: readonly OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED'];

export const CANCEL_REASONS = ['PAYMENT_FAILED', 'PAYMENT_TIMEOUT', 'CUSTOMER_CANCELLED', 'ADMIN_CANCELLED', 'PAYMENT_SETUP_FAILED'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const ATTENTION_REASONS = ['CARRIER_REJECTED', 'DELIVERY_EXCEPTION', 'RETURNED_TO_SENDER', 'DISPUTE', 'PAYMENT_MISMATCH'] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

export const WAREHOUSE_MODES = ['auto', 'manual'] as const;
export type WarehouseMode = (typeof WAREHOUSE_MODES)[number];

export interface AddressInput {
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
  country: string;
}

export interface OrderItemInput {
  sku: string;
  quantity: number;
}

/** Durations as strings Temporal understands; fixed per order at checkout so a config change never alters a running order. */
export interface OrderTimings {
  paymentWindow: Duration;
  returnWindow: Duration;
  warehouseMode: WarehouseMode;
  warehouseAutoDelay: Duration;
  carrierPollInterval: Duration;
  activityRetryMaxInterval: Duration;
  /** Absent on orders started before notifications existed. */
  notificationMaxAttempts?: number;
}

export interface OrderInput {
  orderNumber: string;
  customer: { email: string; name: string; phone?: string };
  items: OrderItemInput[];
  shippingAddress: AddressInput;
  timings: OrderTimings;
}

export interface PricedLine {
  lineNo: number;
  sku: string;
  productName: string;
  size: string;
  quantity: number;
  unitPricePence: number;
  lineTotalPence: number;
  vatPence: number;
}

export interface OrderTotals {
  currency: 'GBP';
  subtotalPence: number;
  shippingPence: number;
  totalPence: number;
  vatPence: number;
}

export interface ShortLine {
  sku: string;
  requested: number;
  available: number;
}

export interface ParcelInput {
  weightGrams: number;
}

export interface ShipmentView {
  carrier: string;
  trackingNumber: string;
  status: string;
  events: Array<{ status: string; description: string; occurredAt: string; location?: string }>;
  estimatedDelivery?: string;
}

export interface OrderView {
  orderNumber: string;
  status: OrderStatus;
  cancelReason?: CancelReason;
  attentionReason?: AttentionReason;
  attentionDetail?: string;
  customer: { email: string; name: string };
  lines: PricedLine[];
  totals?: OrderTotals;
  payment?: { paymentIntentId: string; status: string; amountPence: number };
  refundedPence: number;
  warehouse: { pickedBy?: string; packedBy?: string; parcels: ParcelInput[] };
  shipment?: ShipmentView;
  returnWindowEndsAt?: string;
}

export type CheckoutResult =
  | { ok: true; status: 'AWAITING_PAYMENT'; totals: OrderTotals; paymentIntentId: string; clientSecret: string }
  | { ok: false; status: 'OUT_OF_STOCK'; shortLines: ShortLine[] }
  | { ok: false; status: 'CANCELLED'; reason: CancelReason; message: string };

export interface PaymentSignal {
  eventId: string;
  outcome: 'succeeded' | 'failed' | 'canceled';
  paymentIntentId: string;
  amountPence: number;
  message?: string;
}

export interface RefundSignal {
  eventId: string;
  paymentIntentId: string;
  amountRefundedPence: number;
}

export interface DisputeSignal {
  eventId: string;
  paymentIntentId?: string;
  amountPence: number;
  reason: string;
}

export interface WarehouseSignal {
  by: string;
}

export interface PackedSignal extends WarehouseSignal {
  parcels: ParcelInput[];
}

export interface CancelRequest {
  by: 'customer' | 'admin';
  actor: string;
  note?: string;
}

export interface AttentionResolution {
  action: 'retry' | 'cancel';
  actor: string;
  note?: string;
}

export const paymentSignal = defineSignal<[PaymentSignal]>('payment');
export const refundSignal = defineSignal<[RefundSignal]>('refund');
export const disputeSignal = defineSignal<[DisputeSignal]>('dispute');
export const pickedSignal = defineSignal<[WarehouseSignal]>('picked');
/** A customer's erasure request: the order forgets who they are in what it shows (state, search attributes). */
export const eraseCustomerSignal = defineSignal<[{ requestId: string }]>('eraseCustomer');
export const packedSignal = defineSignal<[PackedSignal]>('packed');

/** Update-with-start target: answers once stock is reserved and the PaymentIntent exists. */
export const checkoutUpdate = defineUpdate<CheckoutResult>('checkout');
export const cancelUpdate = defineUpdate<OrderView, [CancelRequest]>('cancel');
export const resolveAttentionUpdate = defineUpdate<OrderView, [AttentionResolution]>('resolveAttention');

export const orderStateQuery = defineQuery<OrderView>('orderState');

export const orderWorkflowId = (orderNumber: string): string => `order-${orderNumber}`;
export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';
