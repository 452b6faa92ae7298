import { createHash } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { type Request, type Response, Router } from 'express';
import { checkouts } from '../../lib/metrics';
import { CustomerEmailKey, OrderStatusKey } from '../../temporal-config/searchAttributes';
import { orderWorkflow } from '../../workflows/orders/orderWorkflow';
import { checkoutUpdate, type CheckoutResult, type OrderInput, orderWorkflowId } from '../../workflows/orders/definitions';
import type { ApiContext } from '../context';
import { HttpError, parse, validationError } from '../errors';
import { type CheckoutRequest, checkoutRequestSchema, idempotencyKeySchema } from '../schemas';
import { callTemporal } from '../temporal';
import { issueOrderToken } from './access';
import { newOrderNumber } from '../../domain/orders/orderNumbers';
import { civilDate } from '../../lib/civilDate';
import { assertShippingOffered } from '../shipping/basketQuote';
import { unpaidHold } from '../../lib/config';
import { assertUnitsPerLine, claimUnpaidSlot, type UnpaidClaim } from './unpaidLimit';

/** The default shipping option is left out, so a key recorded before shipping was charged still matches its body. */
const canonical = (body: CheckoutRequest): string => {
  const { shippingOption, ...rest } = body;
  return createHash('sha256').update(JSON.stringify(shippingOption === 'standard' ? rest : body)).digest('hex');
};

/** A retried checkout (same key, same body) lands on the same order; the same key with another body is refused. */
async function orderNumberFor(ctx: ApiContext, key: string | undefined, body: CheckoutRequest): Promise<{ orderNumber: string; replay: boolean }> {
  if (!key) return { orderNumber: newOrderNumber(), replay: false };
  const hash = canonical(body);
  const candidate = newOrderNumber();
  await ctx.db('checkout_requests').insert({ idempotency_key: key, request_hash: hash, order_number: candidate }).onConflict('idempotency_key').ignore();
  const row = await ctx.db('checkout_requests').where({ idempotency_key: key }).first();
  if (row.request_hash !== hash) {
    throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different checkout; use a new key for a new order');
  }
  return { orderNumber: row.order_number, replay: row.order_number !== candidate };
}

async function assertKnownSkus(ctx: ApiContext, body: CheckoutRequest): Promise<void> {
  const skus = [...new Set(body.items.map((i) => i.sku))];
  const found = new Set((await ctx.db('skus').whereIn('sku', skus).pluck('sku')) as string[]);
  const unknown = body.items.flatMap((item, i) => (found.has(item.sku) ? [] : [{ field: `items.${i}.sku`, message: `unknown SKU ${item.sku}` }]));
  if (unknown.length > 0) throw validationError(unknown);
}

export function checkoutRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.post('/api/checkout', async (req, res) => {
    try {
      await checkout(req, res);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      checkouts.inc({ outcome: status === 409 && (err as HttpError).code === 'OUT_OF_STOCK' ? 'out_of_stock' : status < 500 ? 'invalid' : 'unavailable' });
      throw err;
    }
  });

  async function checkout(req: Request, res: Response): Promise<void> {
    const body = parse(checkoutRequestSchema, req.body);
    const key = req.header('Idempotency-Key');
    if (key !== undefined) parse(idempotencyKeySchema, key, 'Idempotency-Key');
    await assertKnownSkus(ctx, body);
    assertUnitsPerLine(ctx, body);
    await assertShippingOffered(ctx, body.items, body.shippingAddress.country, body.shippingOption);

    // A replayed Idempotency-Key lands on the order it already counted for; only a new checkout takes a slot.
    const known = key !== undefined && (await ctx.db('checkout_requests').where({ idempotency_key: key }).first('order_number'));
    const claim = known ? undefined : await claimUnpaidSlot(ctx, req);
    try {
      await reserve(res, body, key, claim);
    } catch (err) {
      await claim?.release();
      throw err;
    }
  }

  async function reserve(res: Response, body: CheckoutRequest, key: string | undefined, claim: UnpaidClaim | undefined): Promise<void> {
    const { config } = ctx;
    let { orderNumber, replay } = await orderNumberFor(ctx, key, body);
    await claim?.attach(orderNumber);
    let result: CheckoutResult | undefined;
    for (let attempt = 0; result === undefined; attempt++) {
      const input: OrderInput = {
        orderNumber,
        customer: { email: body.email, name: body.name, phone: body.phone },
        items: body.items,
        shippingAddress: body.shippingAddress,
        shippingOption: body.shippingOption,
        timings: {
          // The payment wait is the stock hold: UNPAID_HOLD, never longer than PAYMENT_WINDOW (lib/config.ts).
          paymentWindow: unpaidHold(config) as OrderInput['timings']['paymentWindow'],
          returnWindow: config.RETURN_WINDOW as OrderInput['timings']['returnWindow'],
          warehouseMode: config.WAREHOUSE_MODE,
          warehouseAutoDelay: config.WAREHOUSE_AUTO_DELAY as OrderInput['timings']['warehouseAutoDelay'],
          carrierPollInterval: config.CARRIER_POLL_INTERVAL as OrderInput['timings']['carrierPollInterval'],
          activityRetryMaxInterval: config.ACTIVITY_RETRY_MAX_INTERVAL as OrderInput['timings']['activityRetryMaxInterval'],
          notificationMaxAttempts: config.NOTIFICATION_MAX_ATTEMPTS,
          trackingStaleAfter: config.TRACKING_STALE_AFTER as OrderInput['timings']['paymentWindow'],
        },
      };
      const start = new WithStartWorkflowOperation(orderWorkflow, {
        workflowId: orderWorkflowId(orderNumber),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [input],
        // A replayed Idempotency-Key joins its running order; a fresh number must be new.
        workflowIdConflictPolicy: replay ? 'USE_EXISTING' : 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: OrderStatusKey, value: 'PENDING' },
          { key: CustomerEmailKey, value: body.email },
        ],
      });
      try {
        result = await callTemporal(ctx.temporal, 'checkout', () =>
          ctx.temporal.workflow.executeUpdateWithStart(checkoutUpdate, { startWorkflowOperation: start, updateId: 'checkout' }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        if (replay) {
          result = await finishedCheckout(ctx, orderNumber);
        } else if (attempt < 3) {
          orderNumber = newOrderNumber(); // a clash with an existing order number: draw again
          await claim?.attach(orderNumber);
        } else {
          throw err;
        }
      }
    }

    if (result.ok) {
      checkouts.inc({ outcome: 'created' });
      // The order activity has written the promise by the time the checkout Update answers.
      const shipping = await ctx.db('orders').where({ order_number: orderNumber }).first('shipping_option', 'promised_delivery_date');
      // Random, stored hashed: a replayed checkout gets a fresh token of its own (the earlier one keeps working),
      // since the raw one is nowhere to be read back.
      const trackingToken = await issueOrderToken(ctx.db, config, orderNumber);
      res.status(201).json({
        orderId: orderNumber,
        status: result.status,
        totalPence: result.totals.totalPence,
        vatPence: result.totals.vatPence,
        currency: result.totals.currency,
        shipping: {
          option: shipping?.shipping_option ?? body.shippingOption,
          pricePence: result.totals.shippingPence,
          promisedDeliveryDate: civilDate(shipping?.promised_delivery_date) ?? null,
        },
        payment: { paymentIntentId: result.paymentIntentId, clientSecret: result.clientSecret },
        trackingToken,
      });
    } else if (result.status === 'OUT_OF_STOCK') {
      const names = result.shortLines.map((l) => `${l.sku} (wanted ${l.requested}, ${l.available} left)`).join(', ');
      throw new HttpError(409, 'OUT_OF_STOCK', `not enough stock for ${names}`, { orderId: orderNumber, shortLines: result.shortLines });
    } else if (result.status === 'NEEDS_ATTENTION') {
      throw new HttpError(422, 'DATA_REJECTED', result.message, { orderId: orderNumber });
    } else {
      throw new HttpError(503, 'PAYMENT_UNAVAILABLE', result.message, { orderId: orderNumber });
    }
  }

  return router;
}

/** The same Idempotency-Key after its order's workflow has closed: answer from the read model. */
async function finishedCheckout(ctx: ApiContext, orderNumber: string): Promise<CheckoutResult> {
  const order = await ctx.db('orders').where({ order_number: orderNumber }).first();
  if (order?.status === 'OUT_OF_STOCK') {
    const event = await ctx.db('order_events').where({ order_number: orderNumber, to_status: 'OUT_OF_STOCK' }).first('data');
    return { ok: false, status: 'OUT_OF_STOCK', shortLines: event?.data?.shortLines ?? [] };
  }
  throw new HttpError(409, 'ORDER_CLOSED', `order ${orderNumber} for this Idempotency-Key is already ${order?.status ?? 'closed'}`, { orderId: orderNumber });
}
