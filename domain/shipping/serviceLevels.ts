/** Bundle-safe: the order workflow's contract re-exports these (workflows/orders/definitions.ts). */

/** The customer's delivery promise; the carrier that keeps it is picked by rate (domain/shipping/rates). */
export const SERVICE_LEVELS = ['standard', 'express', 'next_day'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

/** How the order's carrier was picked: automatically (cheapest that keeps the promise) or by an admin. */
export interface CarrierChoice {
  carrier: string;
  service: string;
  costPence: number;
  reason: string;
  overriddenBy?: string;
}
