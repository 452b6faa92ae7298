import type Redis from 'ioredis';
import type Stripe from 'stripe';
import type { Db } from '../db/connection';
import type { OrderInput } from '../workflows/orders/definitions';
import type { Config } from '../lib/config';
import type { NotificationTemplateName } from '../workflows/orders/announcements';
import { type AccessLinkRequest, sendAccessLink } from './access/sendAccessLink';
import { deliverAlert, releaseAlertClaim } from './alerts/deliver';
import { evaluateAlerts } from './alerts/evaluate';
import type { AlertDelivery, AlertEvaluationInput } from '../domain/alerts/types';
import { releaseStock, reserveStock } from '../domain/inventory/stockMovements';
import type { ChannelName, NotificationChannel } from './notifications/channels/channel';
import { markNotificationFailed, type NotificationRequest, reopenNotification, resolveChannels, sendNotification } from './notifications/notify';
import { recordOrder } from './orders/recordOrder';
import { planOrderShipment, recordCarrierOverride } from './orders/orderShipping';
import { rateTableFor } from '../domain/shipping/rates/loadRateTable';
import { type OrderEventInput, recordOrderEvent } from '../domain/orders/recordOrderEvent';
import type { OrderEvent } from '../workflows/orders/events';
import { cancelPaymentIntent, createPaymentIntent, describePayment, recordPaymentStatus, refundPayment } from './payments/payments';
import { type BookParcelInput, bookParcel, type CarrierLookup, closeShipment, followParcel, markShipmentException, recordTracking } from './shipping/parcels';
import type { TrackingQuota } from './shipping/trackingQuota';
import { completeReturn, recordReturn, reserveForReship, restockReturn } from './returns/returns';
import type { ParcelLine, TrackingEventView } from '../workflows/shipping/definitions';

export interface ActivityDeps {
  db: Db;
  stripe: Stripe;
  carriers: CarrierLookup;
  quota?: TrackingQuota;
  redis?: Redis;
  config: Config;
  channels: Partial<Record<ChannelName, NotificationChannel>>;
}

/** Every activity the workers host, closed over their clients; the workflows see only this shape. */
export function createActivities(deps: ActivityDeps) {
  const { db, stripe, redis } = deps;
  const notifyDeps = { db, config: deps.config, channels: deps.channels };
  const alertDeps = { db, redis, config: deps.config, channels: deps.channels };
  const shipmentDeps = { db, carriers: deps.carriers, quota: deps.quota };
  const shippingDeps = { rates: rateTableFor(deps.config) };
  return {
    recordOrder: (input: OrderInput) => recordOrder(db, input, shippingDeps),
    recordOrderEvent: (e: OrderEventInput<OrderEvent>) => recordOrderEvent(db, redis, e),
    reserveStock: (orderNumber: string) => reserveStock(db, orderNumber),
    releaseStock: (orderNumber: string, reason: string) => releaseStock(db, orderNumber, reason),
    createPaymentIntent: (p: { orderNumber: string; amountPence: number; email: string }) => createPaymentIntent(db, stripe, p),
    recordPaymentStatus: (p: { paymentIntentId: string; status: string; failureMessage?: string }) => recordPaymentStatus(db, p),
    cancelPaymentIntent: (p: { orderNumber: string; paymentIntentId: string }) => cancelPaymentIntent(db, stripe, p),
    refundPayment: (p: { orderNumber: string; paymentIntentId: string; amountPence: number; reason: string; key: string }) => refundPayment(db, stripe, p),
    describePayment: (paymentIntentId: string) => describePayment(db, paymentIntentId),
    resolveChannels: (p: { orderNumber: string; template: NotificationTemplateName; audience: 'customer' | 'admin' }) => resolveChannels(notifyDeps, p),
    sendNotification: (r: NotificationRequest) => sendNotification(notifyDeps, r),
    markNotificationFailed: (r: NotificationRequest & { error: string }) => markNotificationFailed(notifyDeps, r),
    reopenNotification: (notificationId: number) => reopenNotification(notifyDeps, notificationId),
    planOrderShipment: (orderNumber: string) => planOrderShipment(db, orderNumber, shippingDeps),
    recordCarrierOverride: (p: { orderNumber: string; carrier: string; actor: string; note?: string }) => recordCarrierOverride(db, p, shippingDeps),
    bookParcel: (p: BookParcelInput) => bookParcel(shipmentDeps, p),
    followParcel: (p: Parameters<typeof followParcel>[1]) => followParcel(shipmentDeps, p),
    recordTracking: (p: { workflowId: string; status: string; estimatedDelivery?: string; events: Array<TrackingEventView & { raw?: unknown }> }) => recordTracking(shipmentDeps, p),
    markShipmentException: (p: { workflowId: string; reason: string | null; detail?: string }) => markShipmentException(shipmentDeps, p),
    closeShipment: (p: { workflowId: string; closedAs: 'REPLACED' | 'REFUNDED' | 'CANCELLED'; carrier?: string; trackingNumber?: string }) => closeShipment(shipmentDeps, p),
    reserveForReship: (p: { orderNumber: string; shipmentNo: number; lines: ParcelLine[] }) => reserveForReship(db, p),
    recordReturn: (p: { orderNumber: string; returnNo: number; lines: ParcelLine[]; reason: string }) => recordReturn(db, p),
    restockReturn: (p: { orderNumber: string; returnNo: number; lines: ParcelLine[] }) => restockReturn(db, p),
    completeReturn: (p: { orderNumber: string; returnNo: number; refundPence: number }) => completeReturn(db, p),
    evaluateAlerts: (input: AlertEvaluationInput) => evaluateAlerts(alertDeps, input),
    deliverAlert: (d: AlertDelivery) => deliverAlert(alertDeps, d),
    releaseAlertClaim: (d: AlertDelivery) => releaseAlertClaim(alertDeps, d),
    sendAccessLink: (r: AccessLinkRequest) => sendAccessLink({ db, config: deps.config, email: deps.channels.email }, r),
  };
}

export type Activities = ReturnType<typeof createActivities>;
