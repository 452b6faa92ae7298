/** A customer's return: some lines of a delivered order come back, are restocked and refunded. */
import type { AddressInput } from '../orders/definitions';
import type { ParcelLine, ShipmentTimings } from '../shipping/definitions';

export interface ReturnLine extends ParcelLine {
  /** What the customer paid for these units: the line's unit price times the quantity coming back. */
  refundPence: number;
}

export interface ReturnInput {
  orderNumber: string;
  returnNo: number;
  lines: ReturnLine[];
  reason: string;
  /** The original standard delivery charge, owed back only when every line of the order has come back. */
  deliveryRefundPence: number;
  paymentIntentId: string;
  customer: { name: string; address: AddressInput };
  carrier: string;
  service: string;
  weightGrams: number;
  orderWorkflowId: string;
  timings: ShipmentTimings;
}

export interface ReturnResult {
  returnNo: number;
  restoredUnits: number;
  refundPence: number;
  refundId: string;
}

export const returnWorkflowId = (orderNumber: string, n: number): string => `return-${orderNumber}-${n}`;
