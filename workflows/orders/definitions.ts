/**
 * The order workflow's contract: its input, state, signals, updates and queries. Imported by the workflow,
 * the activities and the API, so none of them can drift. Runtime imports stay bundle-safe (no zod here:
 * the API's schemas in api/orders/schemas.ts derive from these constants).
 */
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ShortLine } from '../../domain/inventory/stockMovements';
import type { CarrierChoice, ServiceLevel } from '../../domain/shipping/serviceLevels';
import type { OrderView, ReturnView } from './views';

// The query's shapes live in views.ts; re-exported so the contract is still imported from one place.
export type { OrderView, ReturnView, ShipmentView } from './views';

export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'OUT_OF_STOCK',
  'PAID',
  'PROCESSING',
  'PICKING',
  'PACKED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'PARTIALLY_DELIVERED',
  'DELIVERED',
  'RETURN_REQUESTED',
  'PARTIALLY_RETURNED',
  'RETURNED',
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

export const ATTENTION_REASONS = ['CARRIER_REJECTED', 'DELIVERY_EXCEPTION', 'RETURNED_TO_SENDER', 'STALE', 'DISPUTE', 'PAYMENT_MISMATCH', 'DATA_REJECTED'] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

/**
 * The failure type of an activity whose data the database (a constraint, a data exception) or a schema
 * refused: retrying cannot help, so it fails at once (workers/dataRejection.ts) and the order goes to a person.
 */
export const DATA_REJECTED_FAILURE = 'DataRejected';

export { SERVICE_LEVELS, type CarrierChoice, type ServiceLevel } from '../../domain/shipping/serviceLevels';

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
  /** How often a message is tried (8 when absent). */
  notificationMaxAttempts?: number;
  /** No tracking news for this long raises a STALE exception (5 days when absent). */
  trackingStaleAfter?: Duration;
}

export interface OrderInput {
  orderNumber: string;
  customer: { email: string; name: string; phone?: string };
  items: OrderItemInput[];
  shippingAddress: AddressInput;
  /** Absent on orders placed before shipping was charged: those ship standard, free. */
  shippingOption?: ServiceLevel;
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

export type { ShortLine } from '../../domain/inventory/stockMovements';

export interface ParcelInput {
  weightGrams: number;
  /** Which lines went into this parcel; absent for a single parcel holding everything. */
  lines?: Array<{ lineNo: number; quantity: number }>;
}

export interface ReturnRequest {
  lines: Array<{ lineNo: number; quantity: number }>;
  reason: string;
  actor: string;
}

export type CheckoutResult =
  | { ok: true; status: 'AWAITING_PAYMENT'; totals: OrderTotals; paymentIntentId: string; clientSecret: string }
  | { ok: false; status: 'OUT_OF_STOCK'; shortLines: ShortLine[] }
  | { ok: false; status: 'CANCELLED'; reason: CancelReason; message: string }
  | { ok: false; status: 'NEEDS_ATTENTION'; reason: 'DATA_REJECTED'; message: string };

export interface PaymentSignal {
  eventId: string;
  outcome: 'succeeded' | 'failed' | 'canceled';
  paymentIntentId: string;
  amountPence: number;
  /** Stripe's lower-case code; absent in signals sent before the workflow checked it. */
  currency?: string;
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

export const ATTENTION_ACTIONS = ['retry', 'cancel', 'reship', 'refund_lines', 'resolve'] as const;

export interface AttentionResolution {
  /** retry/resolve: carry on (book again, or keep following the parcel); reship and refund_lines act on one parcel. */
  action: (typeof ATTENTION_ACTIONS)[number];
  actor: string;
  note?: string;
  /** Which parcel, when several need attention; the oldest exception otherwise. */
  shipmentNo?: number;
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

/** Before shipping only: an admin sends the order with another carrier; the new cost and reason are recorded. */
export const overrideCarrierUpdate = defineUpdate<CarrierChoice, [{ carrier: string; actor: string; note?: string }]>('overrideCarrier');

/** After delivery, inside the return window: some lines come back (a child workflow per return). */
export const requestReturnUpdate = defineUpdate<ReturnView, [ReturnRequest]>('requestReturn');

export const orderStateQuery = defineQuery<OrderView>('orderState');

export { ORDER_WORKFLOW_TYPE, orderWorkflowId } from '../../domain/orders/workflowIds';
