import type { AttentionReason, CancelReason, OrderTotals, PricedLine } from '../../../workflows/orders/definitions';

export const CUSTOMER_TEMPLATES = [
  'order_confirmation',
  'payment_receipt',
  'payment_failed',
  'order_processing',
  'order_shipped',
  'out_for_delivery',
  'delivered',
  'delivery_problem',
  'order_cancelled',
  'refund_issued',
  'return_update',
] as const;
export const ADMIN_TEMPLATES = ['admin_needs_attention', 'admin_dispute', 'admin_notification_failed'] as const;
export const NOTIFICATION_TEMPLATES = [...CUSTOMER_TEMPLATES, ...ADMIN_TEMPLATES] as const;

export type CustomerTemplate = (typeof CUSTOMER_TEMPLATES)[number];
export type AdminTemplate = (typeof ADMIN_TEMPLATES)[number];
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];

export type TemplateLine = Pick<PricedLine, 'sku' | 'productName' | 'size' | 'quantity' | 'lineTotalPence'>;

export type DeliveryProblem = 'delayed' | 'attempted' | 'exception' | 'returned_to_sender';
export type ReturnStatus = 'requested' | 'received' | 'refunded' | 'rejected';

/**
 * Everything a template may show. One flat shape (rather than one per event) so the caller can pass what it
 * knows about the order; each template uses its part and leaves out what is missing.
 */
export interface TemplateData {
  publicBaseUrl: string;
  orderNumber: string;
  /** Required for customer templates: the message's own link secret to its order page (domain/access/links.ts). */
  orderLinkSecret?: string;
  customerName?: string;
  customerEmail?: string;
  lines?: TemplateLine[];
  totals?: OrderTotals;
  /** payment_failed: the card issuer's or Stripe's message, shown as it came. */
  paymentFailureReason?: string;
  carrier?: string;
  trackingNumber?: string;
  /** The carrier's tracking page; only http(s) links are shown. */
  trackingUrl?: string;
  estimatedDelivery?: string;
  problem?: DeliveryProblem;
  problemDetail?: string;
  cancelReason?: CancelReason;
  cancelNote?: string;
  /** Pence refunded (or being refunded) by this event; 0 or absent means no money moved. */
  refundPence?: number;
  returnStatus?: ReturnStatus;
  returnDetail?: string;
  attentionReason?: AttentionReason;
  attentionDetail?: string;
  dispute?: { amountPence: number; reason: string };
  failedNotification?: { template: string; channel: string; recipient: string; attempts: number; error: string };
  /** Admin messages link here; defaults to `${publicBaseUrl}/admin/orders/<orderNumber>`. */
  adminUrl?: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  /** Short plain text for SMS: no greeting, one link. */
  sms: string;
  /** The message's main link (order page for customers, admin page for the team): in-app and Slack use it. */
  link: string;
}

/** A template's content as plain strings; the layout alone turns it into HTML, so nothing escapes escaping. */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'button'; label: string; url: string }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'facts'; rows: Array<[label: string, value: string]> }
  | { kind: 'order'; lines: TemplateLine[]; totals?: OrderTotals };

export interface MessageParts {
  subject: string;
  /** The inbox preview line. */
  preheader: string;
  heading: string;
  blocks: Block[];
  sms: string;
}

export interface TemplateContext {
  /** Customer: the order page with the tracking token. Admin: the admin order page. */
  link: string;
  publicBaseUrl: string;
}

export interface TemplateDefinition {
  audience: 'customer' | 'admin';
  render(data: TemplateData, ctx: TemplateContext): MessageParts;
}
