import { adminDispute } from './adminDispute';
import { adminNeedsAttention } from './adminNeedsAttention';
import { adminNotificationFailed } from './adminNotificationFailed';
import { delivered } from './delivered';
import { deliveryProblem } from './deliveryProblem';
import { adminOrderUrl, orderPageUrl, safeHttpUrl } from './format';
import { renderHtml, renderText } from './layout';
import { orderCancelled } from './orderCancelled';
import { orderConfirmation } from './orderConfirmation';
import { orderProcessing } from './orderProcessing';
import { orderShipped } from './orderShipped';
import { outForDelivery } from './outForDelivery';
import { paymentFailed } from './paymentFailed';
import { paymentReceipt } from './paymentReceipt';
import { refundIssued } from './refundIssued';
import { returnUpdate } from './returnUpdate';
import { NOTIFICATION_TEMPLATES, type NotificationTemplate, type RenderedMessage, type TemplateData, type TemplateDefinition } from './types';

export { escapeHtml, formatPence, orderPageUrl, retryCheckoutUrl } from './format';
export * from './types';

const TEMPLATES: Record<NotificationTemplate, TemplateDefinition> = {
  order_confirmation: orderConfirmation,
  payment_receipt: paymentReceipt,
  payment_failed: paymentFailed,
  order_processing: orderProcessing,
  order_shipped: orderShipped,
  out_for_delivery: outForDelivery,
  delivered,
  delivery_problem: deliveryProblem,
  order_cancelled: orderCancelled,
  refund_issued: refundIssued,
  return_update: returnUpdate,
  admin_needs_attention: adminNeedsAttention,
  admin_dispute: adminDispute,
  admin_notification_failed: adminNotificationFailed,
};

/** Retrying cannot fix missing data: the caller should record the notification as failed, not retry it. */
export class TemplateDataError extends Error {
  override readonly name = 'TemplateDataError';
}

export function isNotificationTemplate(value: string): value is NotificationTemplate {
  return (NOTIFICATION_TEMPLATES as readonly string[]).includes(value);
}

export function templateAudience(template: NotificationTemplate): 'customer' | 'admin' {
  return TEMPLATES[template].audience;
}

export function renderTemplate(template: NotificationTemplate, data: TemplateData): RenderedMessage {
  const def = TEMPLATES[template];
  if (!def) throw new TemplateDataError(`unknown notification template: ${String(template)}`);
  if (!data.orderNumber?.trim()) throw new TemplateDataError(`${template}: orderNumber is required`);
  if (!safeHttpUrl(data.publicBaseUrl)) throw new TemplateDataError(`${template}: publicBaseUrl must be an http(s) URL`);
  let link: string;
  if (def.audience === 'customer') {
    // Without the token the link would land on a 404: better to fail the render than send a dead link.
    if (!data.orderLinkSecret) throw new TemplateDataError(`${template}: orderLinkSecret is required for customer messages`);
    link = orderPageUrl(data.publicBaseUrl, data.orderNumber, data.orderLinkSecret);
  } else {
    link = safeHttpUrl(data.adminUrl) ?? adminOrderUrl(data.publicBaseUrl, data.orderNumber);
  }
  const parts = def.render(data, { link, publicBaseUrl: data.publicBaseUrl });
  return {
    subject: parts.subject,
    text: renderText(parts, def.audience, data, link),
    html: renderHtml(parts, def.audience, data, link),
    sms: parts.sms.replace(/\s+/g, ' ').trim(),
    link,
  };
}
