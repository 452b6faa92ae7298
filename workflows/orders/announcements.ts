/**
 * Which messages an order event owes, and to whom. Pure and deterministic: the workflow calls it for every
 * event it records, so one table decides every notification of an order's life.
 */
import type { NotificationTemplate } from '../../activities/notifications/templates/types';

// The template names live with the templates; this module only decides which one an event owes.
export type NotificationTemplateName = NotificationTemplate;

export interface Announcement {
  template: NotificationTemplateName;
  audience: 'customer' | 'admin';
  data?: Record<string, unknown>;
}

export interface AnnouncedEvent {
  type: string;
  toStatus?: string;
  reason?: string;
  data?: Record<string, unknown>;
}

const ON_STATUS: Partial<Record<string, NotificationTemplateName>> = {
  AWAITING_PAYMENT: 'order_confirmation',
  PAID: 'payment_receipt',
  PROCESSING: 'order_processing',
  SHIPPED: 'order_shipped',
  DELIVERED: 'delivered',
};

const PROBLEM_TRACKING = ['DELAYED', 'ATTEMPTED_DELIVERY', 'FAILURE', 'RETURNED_TO_SENDER'];

export function announcementsFor(e: AnnouncedEvent): Announcement[] {
  const data = { ...(e.data ?? {}), reason: e.reason };
  if (e.type === 'status_changed' && e.toStatus) {
    // An admin's retry returns the order to a status it already announced: no second message.
    if (e.reason === 'ATTENTION_RETRY') return [];
    if (e.toStatus === 'CANCELLED') return [{ template: e.reason === 'PAYMENT_FAILED' ? 'payment_failed' : 'order_cancelled', audience: 'customer', data }];
    if (e.toStatus === 'NEEDS_ATTENTION') return [{ template: 'admin_needs_attention', audience: 'admin', data }];
    const template = ON_STATUS[e.toStatus];
    return template ? [{ template, audience: 'customer', data }] : [];
  }
  if (e.type === 'tracking_updated') {
    const status = String(e.data?.status ?? '');
    if (status === 'OUT_FOR_DELIVERY') return [{ template: 'out_for_delivery', audience: 'customer', data }];
    if (PROBLEM_TRACKING.includes(status)) return [{ template: 'delivery_problem', audience: 'customer', data }];
    return [];
  }
  if (e.type === 'return_requested') return [{ template: 'return_update', audience: 'customer', data: { ...data, returnStatus: 'requested' } }];
  if (e.type === 'return_received') return [{ template: 'return_update', audience: 'customer', data: { ...data, returnStatus: 'received' } }];
  if (e.type === 'return_refunded') return [{ template: 'return_update', audience: 'customer', data: { ...data, returnStatus: 'refunded' } }];
  if (e.type === 'lines_refunded') return [{ template: 'refund_issued', audience: 'customer', data }];
  if (e.type === 'dispute_opened') return [{ template: 'admin_dispute', audience: 'admin', data }];
  // Flags that do not stop the order, told to admins as any attention case is.
  if (e.type === 'payment_mismatch' || e.type === 'data_rejected') return [{ template: 'admin_needs_attention', audience: 'admin', data }];
  if (e.type === 'late_payment_refunded') return [{ template: 'refund_issued', audience: 'customer', data }];
  return [];
}
