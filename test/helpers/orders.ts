import type { OrderStatus } from '../../workflows/orders/definitions';
import { checkoutBody, createTestSku, pay, type System, waitForStatus } from './system';

/** What checkout answers, plus what a test needs to act on the order afterwards. */
export interface PaidOrder {
  orderId: string;
  trackingToken: string;
  totalPence: number;
  payment: { paymentIntentId: string; clientSecret?: string };
  /** The order's e-mail: the proof a customer's change needs (api/orders/access.ts). */
  email: string;
  /** The SKUs ordered, in the order of `items`. */
  skus: string[];
  /** The order as the customer's GET answered once it reached `until` (undefined with `until: false`). */
  view?: any;
  [key: string]: any;
}

/** Every status a paid order can be in by the time a test looks: the automatic warehouse moves on quickly. */
export const PAID_OR_LATER: OrderStatus[] = ['PAID', 'PROCESSING', 'PICKING', 'PACKED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'PARTIALLY_DELIVERED', 'DELIVERED'];

export interface PlacePaidOrderOptions {
  /** The basket; without it one unit of a fresh SKU (see `stock`, `pricePence`). */
  items?: Array<{ sku: string; quantity: number }>;
  /** Stock and price of the fresh SKU made when `items` is not given. */
  stock?: number;
  pricePence?: number;
  quantity?: number;
  /** Fields of the checkout body to replace (email, phone, shippingAddress, deliveryLevel, …). */
  checkout?: Record<string, unknown>;
  /** The status (or any of the statuses) to wait for after the webhook; false returns as soon as it is sent. */
  until?: OrderStatus | OrderStatus[] | false;
  timeoutMs?: number;
}

/**
 * Places an order and pays it as Stripe would: checkout, then a signed payment_intent.succeeded for the
 * order's PaymentIntent and total (in gbp), then waits until the order has taken the payment.
 */
export async function placePaidOrder(sys: System, opts: PlacePaidOrderOptions = {}): Promise<PaidOrder> {
  const items = opts.items ?? [{ sku: await createTestSku(sys.ctx, opts.stock ?? 5, opts.pricePence ?? 2500), quantity: opts.quantity ?? 1 }];
  const body = checkoutBody(items, opts.checkout);
  const res = await sys.http.post('/api/checkout', body);
  if (res.status !== 201) throw new Error(`checkout answered ${res.status}: ${JSON.stringify(res.body)}`);
  const webhook = await pay(sys, res.body);
  if (webhook.res.status !== 200) throw new Error(`the payment webhook answered ${webhook.res.status}: ${JSON.stringify(webhook.res.body)}`);
  const until = opts.until ?? PAID_OR_LATER;
  const view = until === false ? undefined : await waitForStatus(sys, res.body, until, opts.timeoutMs);
  return { ...res.body, email: body.email as string, skus: items.map((i) => i.sku), view };
}
