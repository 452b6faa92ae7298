/**
 * One running order: its input, its state, and the activity proxies every phase uses. Built once at the
 * start of the workflow and handed to each phase.
 */
import { type ChildWorkflowHandle, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { ShipmentTimings } from '../shipping/definitions';
import type { shipmentWorkflow } from '../shipping/shipmentWorkflow';
import { DATA_REJECTED_FAILURE, type OrderInput } from './definitions';
import { OrderState } from './orderState';

const NON_RETRYABLE = ['InvalidOrder', 'StripeRejected', 'CarrierRejected', DATA_REJECTED_FAILURE];
/** Every order is charged in pounds; Stripe names currencies in lower case. */
export const ORDER_CURRENCY = 'gbp';
export const WAREHOUSE = 'DY-LDN-1';

export interface OrderRun {
  readonly input: OrderInput;
  readonly orderNumber: string;
  readonly state: OrderState;
  /** Activities on the task queue: payments, stock, carriers. */
  readonly remote: Activities;
  /** Our own short, idempotent database writes, run in the workflow task's worker. */
  readonly local: Activities;
  /** Checkout waits on this: a Stripe outage must end the order cleanly rather than hold the customer forever. */
  readonly paymentSetup: Activities;
  /** Messages to customers and admins, retried up to the order's own limit. */
  readonly notify: Activities;
  readonly shipmentTimings: ShipmentTimings;
  /** Each parcel's shipment workflow, by shipment number. */
  readonly children: Map<number, ChildWorkflowHandle<typeof shipmentWorkflow>>;
  /** The last event queued for writing (see eventLog.record). */
  readonly eventQueue: { tail: Promise<void> };
}

export function startRun(input: OrderInput): OrderRun {
  const { timings } = input;
  const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: timings.activityRetryMaxInterval, nonRetryableErrorTypes: NON_RETRYABLE };
  return {
    input,
    orderNumber: input.orderNumber,
    state: new OrderState(input.orderNumber, input.customer),
    remote: proxyActivities<Activities>({ startToCloseTimeout: '30s', retry }),
    // Local: they save the customer a server round trip each at checkout.
    local: proxyLocalActivities<Activities>({ startToCloseTimeout: '15s', localRetryThreshold: '10s', retry }),
    paymentSetup: proxyActivities<Activities>({ startToCloseTimeout: '20s', retry: { ...retry, maximumAttempts: 5 } }),
    notify: proxyActivities<Activities>({
      startToCloseTimeout: '30s',
      retry: { ...retry, nonRetryableErrorTypes: ['ChannelRejected'], maximumAttempts: timings.notificationMaxAttempts ?? 8 },
    }),
    shipmentTimings: {
      carrierPollInterval: timings.carrierPollInterval,
      staleAfter: timings.trackingStaleAfter ?? '5 days',
      activityRetryMaxInterval: timings.activityRetryMaxInterval,
    },
    children: new Map(),
    eventQueue: { tail: Promise.resolve() },
  };
}

/** The database's (or a schema's) words when an activity failed on its data; undefined for any other failure. */
export function dataRejection(err: unknown): string | undefined {
  // An activity's failure is its cause; a local activity's may arrive as the failure itself.
  let failure = err as { cause?: unknown; type?: string; message?: string } | undefined;
  for (let depth = 0; failure && depth < 4; failure = failure.cause as typeof failure, depth++) {
    if (failure.type === DATA_REJECTED_FAILURE) return failure.message ?? 'the database refused the data';
  }
  return undefined;
}

/** The message of an activity's (or child's) failure: its cause's, when it has one. */
export const failureMessage = (err: unknown): string => (err as { cause?: Error }).cause?.message ?? (err as Error).message;
