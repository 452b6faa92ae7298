import type { Db } from '../../db/connection';
import type { Config } from '../../lib/config';
import type { AttentionReason, CancelReason } from '../../workflows/orders/definitions';
import type { DeliveryProblem, ReturnStatus, TemplateData } from './templates';

const PROBLEMS: Record<string, DeliveryProblem> = {
  DELAYED: 'delayed',
  ATTEMPTED_DELIVERY: 'attempted',
  FAILURE: 'exception',
  RETURNED_TO_SENDER: 'returned_to_sender',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
const RETURN_STATUSES: readonly ReturnStatus[] = ['requested', 'received', 'refunded', 'rejected'];

/**
 * What a message shows, read fresh from the read model (so a resend days later is still right) and from
 * the announced event's own data.
 */
export async function buildTemplateData(db: Db, config: Config, orderNumber: string, orderLinkSecret: string | undefined, event: Record<string, unknown>): Promise<TemplateData> {
  const order = await db('orders').where({ order_number: orderNumber }).first();
  const lines = await db('order_lines').where({ order_number: orderNumber }).orderBy('line_no');
  const latest = (event.latest ?? {}) as Record<string, unknown>;
  const status = str(event.status);
  const failed = event.failedTemplate ? { template: String(event.failedTemplate), channel: String(event.channel ?? ''), recipient: String(event.recipient ?? ''), attempts: int(event.attempts) ?? 0, error: String(event.error ?? '') } : undefined;
  const data: TemplateData = {
    publicBaseUrl: config.PUBLIC_BASE_URL,
    orderNumber,
    orderLinkSecret,
    customerName: order?.name,
    customerEmail: order?.email,
    lines: lines.map((l) => ({ sku: l.sku, productName: l.product_name, size: l.size, quantity: l.quantity, lineTotalPence: l.line_total_pence })),
    totals: order ? { currency: 'GBP', subtotalPence: order.subtotal_pence, shippingPence: order.shipping_pence, totalPence: order.total_pence, vatPence: order.vat_pence } : undefined,
    paymentFailureReason: str(event.note),
    carrier: str(event.carrier) ?? order?.carrier ?? undefined,
    trackingNumber: str(event.trackingNumber) ?? order?.tracking_number ?? undefined,
    problem: status ? PROBLEMS[status] : undefined,
    problemDetail: str(latest.description),
    cancelReason: str(event.reason) as CancelReason | undefined,
    cancelNote: str(event.note),
    // A return's refund is `refundPence` in its event (return_refunded), other refunds' `refundedPence`.
    refundPence: int(event.refundedPence) ?? int(event.refundPence) ?? int(event.amountPence),
    returnStatus: RETURN_STATUSES.find((s) => s === event.returnStatus),
    attentionReason: str(event.reason) as AttentionReason | undefined,
    attentionDetail: str(event.detail),
    dispute: event.amountPence !== undefined && str(event.reason) ? { amountPence: int(event.amountPence) ?? 0, reason: String(event.reason) } : undefined,
    failedNotification: failed,
  };
  return data;
}
