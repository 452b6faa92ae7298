/** What the order's query shows: the order, its parcels and its returns. Types only. */
import type { CancelReason, AttentionReason, PricedLine, OrderTotals, ParcelInput, OrderStatus, ServiceLevel, CarrierChoice } from './definitions';

export interface ShipmentView {
  carrier: string;
  trackingNumber: string;
  status: string;
  events: Array<{ status: string; description: string; occurredAt: string; location?: string }>;
  estimatedDelivery?: string;
  /** One entry per parcel, each its own child workflow. */
  shipmentNo?: number;
  service?: string;
  lines?: Array<{ lineNo: number; sku: string; quantity: number }>;
  weightGrams?: number;
  labelUrl?: string;
  exception?: { reason: string; detail: string };
  closedAs?: 'REPLACED' | 'REFUNDED' | 'CANCELLED';
  replacesShipmentNo?: number;
}

export interface ReturnView {
  returnNo: number;
  lines: Array<{ lineNo: number; sku: string; quantity: number; refundPence: number }>;
  reason: string;
  status: 'REQUESTED' | 'LABEL_ISSUED' | 'IN_TRANSIT' | 'REFUNDED' | 'FAILED';
  trackingNumber?: string;
  carrier?: string;
  refundPence?: number;
  requestedAt: string;
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
  shipments?: ShipmentView[];
  returns?: ReturnView[];
  shippingOption?: ServiceLevel;
  carrierChoice?: CarrierChoice;
  returnWindowEndsAt?: string;
}
