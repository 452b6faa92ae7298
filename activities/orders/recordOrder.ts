import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import { civilDate } from '../../lib/civilDate';
import { vatIncluded } from '../../lib/money';
import { type CarrierChoice, orderWorkflowId, type OrderInput, type OrderTotals, type PricedLine, type ServiceLevel } from '../../workflows/orders/definitions';
import { deliveryVatPence } from '../../domain/shipping/rates/deliveryVat';
import { rateTableFor } from '../../domain/shipping/rates/loadRateTable';
import { ItemTooLargeError, type PackingLine } from '../../domain/shipping/rates/planParcels';
import { quoteBasket } from '../../domain/shipping/rates/quoteBasket';
import type { RateTable } from '../../domain/shipping/rates/rateTable';
import type { ShippingZone } from '../../domain/shipping/rates/zones';

export interface RecordedShipping {
  option: ServiceLevel;
  zone: ShippingZone;
  promisedDeliveryDate: string; // YYYY-MM-DD
  pricePence: number;
  choice: CarrierChoice;
}

export interface RecordedOrder {
  lines: PricedLine[];
  totals: OrderTotals;
  /** Absent for orders placed before shipping was charged. */
  shipping?: RecordedShipping;
}

export interface RecordOrderOptions {
  /** The worker's table (rateTableFor(config)); without it, the one SHIPPING_RATES_FILE names in this process's environment. */
  rates?: RateTable;
  now?: Date;
}

/**
 * Prices the order from the catalogue (never from the client) and writes it to the read model. With a
 * shipping option, the delivery charge is quoted from the rate table exactly as the quote endpoint does and
 * joins the total; the carrier that keeps the promise most cheaply is recorded with the reason.
 * A retry finds the order already written and returns what was recorded then.
 */
export async function recordOrder(db: Db, input: OrderInput, options: RecordOrderOptions = {}): Promise<RecordedOrder> {
  return db.transaction(async (trx) => {
    const existing = await trx('orders').where({ order_number: input.orderNumber }).first();
    if (existing) return readRecorded(trx, input.orderNumber);

    const skus = await trx('skus')
      .join('products', 'products.id', 'skus.product_id')
      .whereIn('skus.sku', input.items.map((i) => i.sku))
      .select('skus.sku', 'skus.size', 'skus.price_pence', 'skus.vat_rate_bp', 'products.name', 'products.weight_grams', 'products.length_mm', 'products.width_mm', 'products.height_mm');
    const bySku = new Map(skus.map((s) => [s.sku as string, s]));
    const lines: PricedLine[] = input.items.map((item, i) => {
      const sku = bySku.get(item.sku);
      if (!sku) throw ApplicationFailure.nonRetryable(`unknown SKU ${item.sku}`, 'InvalidOrder');
      const lineTotal = sku.price_pence * item.quantity;
      return {
        lineNo: i + 1,
        sku: item.sku,
        productName: sku.name,
        size: sku.size,
        quantity: item.quantity,
        unitPricePence: sku.price_pence,
        lineTotalPence: lineTotal,
        vatPence: vatIncluded(lineTotal, sku.vat_rate_bp),
      };
    });

    const shipping = input.shippingOption ? priceShipping(input, lines, bySku, options) : undefined;
    const subtotal = lines.reduce((sum, l) => sum + l.lineTotalPence, 0);
    const shippingPence = shipping?.pricePence ?? 0;
    const goods = lines.map((l) => ({ grossPence: l.lineTotalPence, vatRateBp: bySku.get(l.sku).vat_rate_bp as number }));
    const totals: OrderTotals = {
      currency: 'GBP',
      subtotalPence: subtotal,
      shippingPence,
      totalPence: subtotal + shippingPence,
      vatPence: lines.reduce((sum, l) => sum + l.vatPence, 0) + deliveryVatPence(shippingPence, goods),
    };
    await trx('orders').insert({
      order_number: input.orderNumber,
      workflow_id: orderWorkflowId(input.orderNumber),
      status: 'PENDING',
      email: input.customer.email,
      name: input.customer.name,
      phone: input.customer.phone ?? null,
      shipping_address: JSON.stringify(input.shippingAddress),
      currency: totals.currency,
      subtotal_pence: totals.subtotalPence,
      shipping_pence: totals.shippingPence,
      total_pence: totals.totalPence,
      vat_pence: totals.vatPence,
      shipping_option: shipping?.option ?? null,
      shipping_zone: shipping?.zone ?? null,
      promised_delivery_date: shipping?.promisedDeliveryDate ?? null,
      carrier_choice: shipping ? JSON.stringify(shipping.choice) : null,
    });
    await trx('order_lines').insert(
      lines.map((l) => ({
        order_number: input.orderNumber,
        line_no: l.lineNo,
        sku: l.sku,
        product_name: l.productName,
        size: l.size,
        quantity: l.quantity,
        unit_price_pence: l.unitPricePence,
        line_total_pence: l.lineTotalPence,
        vat_pence: l.vatPence,
      })),
    );
    return shipping ? { lines, totals, shipping } : { lines, totals };
  });
}

/**
 * The API has already refused a level the destination is not offered, so failing here means the order
 * changed under it (a product re-weighed, a new tariff): no retry can fix that, hence InvalidOrder.
 */
function priceShipping(input: OrderInput, lines: PricedLine[], bySku: Map<string, Record<string, number>>, options: RecordOrderOptions): RecordedShipping {
  const level = input.shippingOption as ServiceLevel;
  const packing: PackingLine[] = lines.map((l) => {
    const p = bySku.get(l.sku) as Record<string, number>;
    return { lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, weightGrams: p.weight_grams, lengthMm: p.length_mm, widthMm: p.width_mm, heightMm: p.height_mm };
  });
  const table = options.rates ?? rateTableFor({ SHIPPING_RATES_FILE: process.env.SHIPPING_RATES_FILE });
  let quote: ReturnType<typeof quoteBasket>;
  try {
    quote = quoteBasket({ table, country: input.shippingAddress.country, lines: packing, now: options.now ?? new Date() });
  } catch (err) {
    if (err instanceof ItemTooLargeError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidOrder');
    throw err;
  }
  const option = quote.options.find((o) => o.level === level);
  if (!option) {
    const why = quote.unavailable.find((u) => u.level === level)?.reason ?? `${level} is not offered`;
    throw ApplicationFailure.nonRetryable(`shippingOption ${level}: ${why}`, 'InvalidOrder');
  }
  return {
    option: level,
    zone: quote.zone,
    promisedDeliveryDate: option.promisedDate,
    pricePence: option.pricePence,
    choice: { carrier: option.carrier, service: option.service, costPence: option.costPence, reason: option.reason },
  };
}

async function readRecorded(db: Db, orderNumber: string): Promise<RecordedOrder> {
  const order = await db('orders').where({ order_number: orderNumber }).first();
  const rows = await db('order_lines').where({ order_number: orderNumber }).orderBy('line_no');
  const recorded: RecordedOrder = {
    lines: rows.map((r) => ({
      lineNo: r.line_no,
      sku: r.sku,
      productName: r.product_name,
      size: r.size,
      quantity: r.quantity,
      unitPricePence: r.unit_price_pence,
      lineTotalPence: r.line_total_pence,
      vatPence: r.vat_pence,
    })),
    totals: {
      currency: 'GBP',
      subtotalPence: order.subtotal_pence,
      shippingPence: order.shipping_pence,
      totalPence: order.total_pence,
      vatPence: order.vat_pence,
    },
  };
  if (order.shipping_option && order.carrier_choice) {
    recorded.shipping = {
      option: order.shipping_option,
      zone: order.shipping_zone,
      promisedDeliveryDate: civilDate(order.promised_delivery_date) as string,
      pricePence: order.shipping_pence,
      choice: order.carrier_choice,
    };
  }
  return recorded;
}
