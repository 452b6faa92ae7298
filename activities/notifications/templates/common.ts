import type { AttentionReason, CancelReason } from '../../../workflows/orders/definitions';
import { formatDate, formatPence, safeHttpUrl } from './format';
import type { Block, TemplateData } from './types';

/** Pieces several templates share. */

export function orderBlock(data: TemplateData, withTotals: boolean): Block[] {
  if (!data.lines?.length) return withTotals && data.totals ? [{ kind: 'facts', rows: [['Total', `${formatPence(data.totals.totalPence)} (includes ${formatPence(data.totals.vatPence)} VAT)`]] }] : [];
  return [{ kind: 'order', lines: data.lines, totals: withTotals ? data.totals : undefined }];
}

export function shipmentFacts(data: TemplateData): Block[] {
  const rows: Array<[string, string]> = [];
  if (data.carrier) rows.push(['Carrier', data.carrier]);
  if (data.trackingNumber) rows.push(['Tracking number', data.trackingNumber]);
  if (data.estimatedDelivery) rows.push(['Expected', formatDate(data.estimatedDelivery)]);
  return rows.length ? [{ kind: 'facts', rows }] : [];
}

export function trackingButton(data: TemplateData): Block[] {
  const url = safeHttpUrl(data.trackingUrl);
  return url ? [{ kind: 'button', label: 'Track your parcel', url }] : [];
}

export function carrierPhrase(data: TemplateData): string {
  return data.carrier ? ` with ${data.carrier}` : '';
}

const CANCEL_WORDS: Record<CancelReason, string> = {
  PAYMENT_FAILED: 'your payment did not go through',
  PAYMENT_TIMEOUT: 'we did not receive your payment in time, so we released the items for other customers',
  CUSTOMER_CANCELLED: 'you asked us to cancel it',
  ADMIN_CANCELLED: 'our team had to cancel it',
  PAYMENT_SETUP_FAILED: 'we could not set up the payment for it',
};

export function cancelReasonWords(reason: CancelReason | undefined): string {
  return reason ? CANCEL_WORDS[reason] : 'it could not go ahead';
}

export function hasRefund(data: TemplateData): data is TemplateData & { refundPence: number } {
  return typeof data.refundPence === 'number' && data.refundPence > 0;
}

export const REFUND_TIMING = 'Refunds go back to the card you paid with and usually show within 5 to 10 working days.';

const ATTENTION_WORDS: Record<AttentionReason, string> = {
  CARRIER_REJECTED: 'The carrier refused the booking',
  DELIVERY_EXCEPTION: 'The carrier reported a delivery exception',
  RETURNED_TO_SENDER: 'The parcel is being returned to us',
  STALE: 'The carrier has had no news of the parcel for too long',
  DISPUTE: 'The customer disputed the payment',
  PAYMENT_MISMATCH: 'A payment did not match the one the order opened (intent, amount or currency)',
  DATA_REJECTED: 'The database refused some of the order\'s data',
};

export function attentionWords(reason: AttentionReason | undefined): string {
  return reason ? ATTENTION_WORDS[reason] : 'The order needs a person';
}

export function customerFacts(data: TemplateData): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (data.customerName) rows.push(['Customer', data.customerName]);
  if (data.customerEmail) rows.push(['Email', data.customerEmail]);
  if (data.totals) rows.push(['Order total', formatPence(data.totals.totalPence)]);
  return rows;
}

export function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
