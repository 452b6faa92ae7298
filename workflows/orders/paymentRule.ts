/**
 * Whether a successful payment is the one the order opened. Pure (workflow code): the order workflow applies
 * a success only when this finds nothing wrong.
 */
export interface ExpectedPayment {
  paymentIntentId: string;
  amountPence: number;
  /** Stripe's lower-case ISO code; every order is in pounds. */
  currency: string;
}

export interface ReceivedPayment {
  paymentIntentId: string;
  /** amount_received (or amount when Stripe sent none) in the currency's minor unit. */
  amountPence: number;
  /** Absent only in signals recorded before the webhook passed it on; an event without one sends ''. */
  currency?: string;
}

/** What does not match, in words for the admin; empty when the payment is the order's. */
export function paymentMismatches(expected: ExpectedPayment, received: ReceivedPayment): string[] {
  const problems: string[] = [];
  if (received.paymentIntentId !== expected.paymentIntentId) problems.push(`PaymentIntent ${received.paymentIntentId} is not the order's ${expected.paymentIntentId}`);
  if (received.amountPence !== expected.amountPence) problems.push(`amount ${received.amountPence} is not the order total ${expected.amountPence}`);
  if (received.currency !== undefined && received.currency.toLowerCase() !== expected.currency.toLowerCase()) {
    problems.push(`currency ${received.currency || '(none)'} is not ${expected.currency}`);
  }
  return problems;
}
