/**
 * What an order refuses, and why: the pure rules behind its Update validators. Each returns the refusal (the
 * failure type the API maps to a status, and the words for the caller) or undefined when the request may go
 * ahead. Deterministic, with no Temporal APIs, so they are unit-tested without any service.
 */
import { type AttentionResolution, CANCELLABLE_STATUSES, type OrderStatus, TERMINAL_STATUSES } from './definitions';
import type { AttentionReason } from './definitions';

export interface Refusal {
  type: string;
  message: string;
}

const refuse = (type: string, message: string): Refusal => ({ type, message });

/** An open problem of one parcel, waiting for a person. */
export interface OpenProblem {
  shipmentNo: number;
  reason: AttentionReason;
  detail: string;
}

/** What the rules need to know of an order; a snapshot of its state. */
export interface OrderFacts {
  status: OrderStatus;
  /** At least one parcel was given to a carrier (a shipment workflow started). */
  handedToCarrier: boolean;
  /** At least one parcel has a tracking number: it cannot be called back. */
  anyParcelBooked: boolean;
}

/** Until a parcel moves: before shipping, or in NEEDS_ATTENTION with nothing booked. */
export function cancelRefusal(order: OrderFacts): Refusal | undefined {
  if (TERMINAL_STATUSES.includes(order.status)) return refuse('NotCancellable', `order is already ${order.status}`);
  const parcelsMoving = order.handedToCarrier && (order.anyParcelBooked || order.status !== 'NEEDS_ATTENTION');
  if (parcelsMoving || !(CANCELLABLE_STATUSES.includes(order.status) || order.status === 'NEEDS_ATTENTION')) {
    return refuse('NotCancellable', 'order has been handed to the carrier: request a return instead');
  }
  return undefined;
}

/** The carrier can change until the first parcel is booked. */
export function overrideRefusal(order: OrderFacts): Refusal | undefined {
  if (TERMINAL_STATUSES.includes(order.status)) return refuse('NotOverridable', `order is already ${order.status}`);
  if (order.anyParcelBooked) return refuse('NotOverridable', 'a parcel has already been booked: the carrier can no longer change');
  return undefined;
}

/** A decision needs an order in NEEDS_ATTENTION and, for a parcel's decision, that parcel's open problem. */
export function resolutionRefusal(order: OrderFacts & { openProblems: readonly OpenProblem[] }, resolution: AttentionResolution): Refusal | undefined {
  if (order.status !== 'NEEDS_ATTENTION') return refuse('NotInAttention', `order is ${order.status}, not NEEDS_ATTENTION`);
  if (resolution.action === 'cancel' && order.anyParcelBooked) return refuse('NotCancellable', 'order has shipped: it cannot be cancelled');
  if (!order.handedToCarrier) {
    if (resolution.action !== 'retry' && resolution.action !== 'cancel') return refuse('NotApplicable', `${resolution.action} applies to a parcel with the carrier; this order has none yet`);
    return undefined;
  }
  const target = problemFor(order.openProblems, resolution.shipmentNo);
  if (!target && resolution.action !== 'cancel') return refuse('NotApplicable', `parcel ${resolution.shipmentNo ?? ''} has no open problem`.replace('  ', ' '));
  if (resolution.action === 'reship' && target?.reason === 'CARRIER_REJECTED') {
    return refuse('NotApplicable', 'the parcel was never booked: retry the booking (perhaps with another carrier) instead');
  }
  return undefined;
}

/** The problem a decision is about: the named parcel's, or the oldest. */
export function problemFor(problems: readonly OpenProblem[], shipmentNo: number | undefined): OpenProblem | undefined {
  return shipmentNo === undefined ? problems[0] : problems.find((problem) => problem.shipmentNo === shipmentNo);
}

export interface ReturnFacts {
  status: OrderStatus;
  returnWindowEndsAt?: string;
  /** Units per line that can still come back (see returnableQuantities). */
  returnable: ReadonlyMap<number, number>;
}

/** Inside the window, delivered lines only, and no more than is still out with the customer. */
export function returnRefusal(order: ReturnFacts, lines: ReadonlyArray<{ lineNo: number; quantity: number }>, nowMs: number): Refusal | undefined {
  if (!order.returnWindowEndsAt) return refuse('ReturnRefused', `order is ${order.status}: returns open once it is delivered`);
  if (nowMs >= Date.parse(order.returnWindowEndsAt)) return refuse('ReturnWindowClosed', `the return window closed on ${order.returnWindowEndsAt}`);
  return quantityRefusal(order.returnable, lines, true);
}

/**
 * Lines asking for more than can still come back. `strict` also refuses a line that was never delivered (the
 * validator); two requests that passed it together are measured against each other without it.
 */
export function quantityRefusal(returnable: ReadonlyMap<number, number>, lines: ReadonlyArray<{ lineNo: number; quantity: number }>, strict: boolean): Refusal | undefined {
  for (const line of lines) {
    const max = returnable.get(line.lineNo);
    if (max === undefined && strict) return refuse('ReturnRefused', `line ${line.lineNo} is not a delivered line of this order`);
    if (line.quantity > (max ?? 0)) return refuse('ReturnRefused', `line ${line.lineNo}: only ${max ?? 0} can still be returned`);
  }
  return undefined;
}
