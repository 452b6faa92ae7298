/**
 * The shipment workflow's contract: one parcel, outbound or coming back, from booking to its last tracking
 * event. Its parent is the order workflow (or a return), which it tells of every change by signal, so the
 * order's event log keeps one writer.
 */
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Parcel, ParcelLine } from '../../domain/shipping/parcel';
import type { AddressInput } from '../orders/definitions';

export type ShipmentKind = 'outbound' | 'return';

export type { Parcel, ParcelLine } from '../../domain/shipping/parcel';

/** Why a parcel needs a person. LOST and STALE come from silence: no tracking news for too long. */
export const SHIPMENT_EXCEPTIONS = ['CARRIER_REJECTED', 'DELIVERY_EXCEPTION', 'RETURNED_TO_SENDER', 'STALE'] as const;
export type ShipmentException = (typeof SHIPMENT_EXCEPTIONS)[number];

export interface TrackingEventView {
  status: string;
  description: string;
  occurredAt: string;
  location?: string;
}

export interface ShipmentTimings {
  carrierPollInterval: Duration;
  /** No tracking news for this long raises a STALE exception. */
  staleAfter: Duration;
  activityRetryMaxInterval: Duration;
}

export interface ShipmentInput {
  orderNumber: string;
  kind: ShipmentKind;
  shipmentNo: number;
  carrier: string;
  service: string;
  /** Outbound: the customer; return: the warehouse receives, so this is who sends it back. */
  recipientName: string;
  address: AddressInput;
  parcel: Parcel;
  replacesShipmentNo?: number;
  /** Where tracking news goes; the order workflow by default. */
  notifyWorkflowId: string;
  timings: ShipmentTimings;
  /** Carried across continue-as-new so a parcel tracked for weeks keeps a short history. */
  carriedOver?: { booking: BookingView; status: string; eventCount: number; lastNewsAt: number; changes: number };
}

export interface BookingView {
  carrier: string;
  service: string;
  trackingNumber: string;
  labelUrl?: string;
}

export type ShipmentUpdate =
  | { type: 'booked'; kind: ShipmentKind; shipmentNo: number; booking: BookingView; estimatedDelivery?: string }
  | { type: 'tracking'; kind: ShipmentKind; shipmentNo: number; status: string; events: TrackingEventView[]; estimatedDelivery?: string; changed: boolean }
  | { type: 'exception'; kind: ShipmentKind; shipmentNo: number; reason: ShipmentException; detail: string };

export interface ShipmentInstruction {
  /** resume: keep tracking (or book again, with `carrier` if an admin chose another); close: replaced or refunded. */
  action: 'resume' | 'close';
  carrier?: string;
  service?: string;
  closedAs?: 'REPLACED' | 'REFUNDED' | 'CANCELLED';
}

export interface TrackingPush {
  trackingNumber: string;
  events: Array<TrackingEventView & { raw?: unknown }>;
  estimatedDelivery?: string;
}

export interface ShipmentResult {
  shipmentNo: number;
  kind: ShipmentKind;
  outcome: 'DELIVERED' | 'REPLACED' | 'REFUNDED' | 'CANCELLED';
  trackingNumber?: string;
}

export const shipmentUpdateSignal = defineSignal<[ShipmentUpdate]>('shipmentUpdate');
export const shipmentInstructionSignal = defineSignal<[ShipmentInstruction]>('shipmentInstruction');
/** Carriers that push (UPS Track Alert, the sandbox's webhooks) reach the parcel directly, verified by the API. */
export const trackingPushSignal = defineSignal<[TrackingPush]>('trackingPush');
export const shipmentStateQuery = defineQuery<{ status: string; booking?: BookingView; events: number; historyLength: number }>('shipmentState');

export const shipmentWorkflowId = (orderNumber: string, kind: ShipmentKind, n: number): string =>
  kind === 'outbound' ? `shipment-${orderNumber}-${n}` : `return-shipment-${orderNumber}-${n}`;
