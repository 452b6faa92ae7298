/**
 * Which messages an order event owes, and to whom. Pure and deterministic: the workflow calls it for every
 * event it records, so one table decides every notification of an order's life.
 */
import type { NotificationTemplate } from '../../activities/notifications/templates/types';
import type { OrderStatus } from './definitions';
import type { OrderEventData, OrderEventType } from './events';

// The template names live with the templates; this module only decides which one an event owes.
export type NotificationTemplateName = NotificationTemplate;

export interface Announcement {
  template: NotificationTemplateName;
  audience: 'customer' | 'admin';
  data?: Record<string, unknown>;
}

/** The part of an order event that decides its messages; any event of events.ts, its data as far as it is known. */
export type AnnouncedEvent = {
  [T in OrderEventType]: { type: T; toStatus?: OrderStatus; reason?: string; data?: Partial<OrderEventData[T]> };
}[OrderEventType];

const ON_STATUS: Partial<Record<OrderStatus, NotificationTemplateName>> = {
  AWAITING_PAYMENT: 'order_confirmation',
  PAID: 'payment_receipt',
  PROCESSING: 'order_processing',
  SHIPPED: 'order_shipped',
  DELIVERED: 'delivered',
};

const PROBLEM_TRACKING = ['DELAYED', 'ATTEMPTED_DELIVERY', 'FAILURE', 'RETURNED_TO_SENDER'];

/** Events that owe the same message whatever their data; a return's steps tell the customer which step. */
const ON_TYPE: Partial<Record<OrderEventType, Announcement>> = {
  return_requested: { template: 'return_update', audience: 'customer', data: { returnStatus: 'requested' } },
  return_received: { template: 'return_update', audience: 'customer', data: { returnStatus: 'received' } },
  return_refunded: { template: 'return_update', audience: 'customer', data: { returnStatus: 'refunded' } },
  lines_refunded: { template: 'refund_issued', audience: 'customer' },
  dispute_opened: { template: 'admin_dispute', audience: 'admin' },
  // Flags that do not stop the order, told to admins as any attention case is.
  payment_mismatch: { template: 'admin_needs_attention', audience: 'admin' },
  data_rejected: { template: 'admin_needs_attention', audience: 'admin' },
  late_payment_refunded: { template: 'refund_issued', audience: 'customer' },
};

export function announcementsFor(e: AnnouncedEvent): Announcement[] {
  const data: Record<string, unknown> = { ...(e.data ?? {}), reason: e.reason };
  if (e.type === 'status_changed') {
    if (!e.toStatus) return [];
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
  const owed = ON_TYPE[e.type];
  return owed ? [{ ...owed, data: { ...data, ...owed.data } }] : [];
}
