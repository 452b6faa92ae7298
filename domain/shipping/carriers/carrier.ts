import { z } from 'zod';
import { text } from '../../../lib/text';

/** One vocabulary for every carrier, after Shopify's FulfillmentEventStatus (plus RETURNED_TO_SENDER). */
export const TRACKING_STATUSES = [
  'LABEL_PURCHASED',
  'CONFIRMED',
  'CARRIER_PICKED_UP',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'ATTEMPTED_DELIVERY',
  'DELAYED',
  'READY_FOR_PICKUP',
  'DELIVERED',
  'FAILURE',
  'RETURNED_TO_SENDER',
] as const;
/** The store's carriers, by the names used in rate tables, configuration, the database and the API. */
export const CARRIER_NAMES = ['royal-mail', 'dpd', 'fedex', 'ups', 'dhl'] as const;
export const carrierNameSchema = z.enum(CARRIER_NAMES);
export type CarrierName = z.infer<typeof carrierNameSchema>;

export const trackingStatusSchema = z.enum(TRACKING_STATUSES);
export type TrackingStatus = z.infer<typeof trackingStatusSchema>;

// Strict: an unknown key in an address is a mistake the client should hear about, not data we drop.
export const addressSchema = z.strictObject({
  line1: text({ min: 1, minMessage: 'is required', max: 200, required: 'is required' }),
  line2: text({ max: 200 }).optional(),
  city: text({ min: 1, minMessage: 'is required', max: 100, required: 'is required' }),
  postcode: text({ min: 2, minMessage: 'is too short', max: 16, required: 'is required' }),
  country: z
    .string({ error: 'is required' })
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as GB')
    .transform((c) => c.toUpperCase()),
});
export type Address = z.infer<typeof addressSchema>;

export interface BookingRequest {
  /** Derived from the order (and parcel): a retried booking returns the same shipment. */
  idempotencyKey: string;
  orderNumber: string;
  recipientName: string;
  address: Address;
  weightGrams: number;
  /** The carrier the store chose; an adapter bound to one carrier books with that one (see carrierRegistry.ts). */
  carrier?: CarrierName;
  /** The chosen carrier's service, as the rate table names it; absent, the carrier's usual (cheapest) service. */
  service?: string;
  /**
   * 'return': the parcel travels from `address` (the customer, named by `recipientName`) back to the warehouse.
   * Absent means 'outbound'.
   */
  direction?: 'outbound' | 'return';
}

export interface Booking {
  carrier: string;
  trackingNumber: string;
  labelUrl?: string;
  service?: string;
  /** The carrier's promise at booking: an ISO 8601 instant, or a bare date when the carrier gives only a day. */
  estimatedDelivery?: string;
}

export interface TrackingEvent {
  status: TrackingStatus;
  occurredAt: string; // ISO 8601
  description: string;
  location?: string;
  /** The carrier's own event, kept as it came. */
  raw: unknown;
}

/**
 * What a carrier pushed about one parcel (UPS Track Alert, the sandbox's signed pushes), as the shipment
 * workflow's `trackingPush` signal carries it: the same events a poll would have found, oldest first.
 */
export interface TrackingPush {
  trackingNumber: string;
  events: TrackingEvent[];
  estimatedDelivery?: string;
}

export interface TrackingInfo {
  trackingNumber: string;
  status: TrackingStatus;
  events: TrackingEvent[];
  estimatedDelivery?: string;
}

/** Retries cannot fix it (rejected address, unknown tracking number): the order needs a person. */
export class CarrierRejectedError extends Error {
  override readonly name = 'CarrierRejectedError';
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** Worth retrying (timeouts, 5xx, 429); retryAfterMs honours the carrier's Retry-After. */
export class CarrierUnavailableError extends Error {
  override readonly name = 'CarrierUnavailableError';
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

export interface CarrierAdapter {
  readonly name: string;
  book(req: BookingRequest): Promise<Booking>;
  track(trackingNumber: string): Promise<TrackingInfo>;
  cancel?(trackingNumber: string): Promise<void>;
}
