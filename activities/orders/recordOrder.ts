import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import { vatIncluded } from '../../lib/money';
import { orderWorkflowId, type OrderInput, type OrderTotals, type PricedLine } from '../../workflows/orders/definitions';

export interface RecordedOrder {
  lines: PricedLine[];
  totals: OrderTotals;
}

/**
 * Prices the order from the catalogue (never from the client) and writes it to the read model.
 * A retry finds the order already written and returns what was recorded then.
 */
export async function recordOrder(db: Db, input: OrderInput): Promise<RecordedOrder> {
  return db.transaction(async (trx) => {
    const existing = await trx('orders').where({ order_number: input.orderNumber }).first();
    if (existing) return readRecorded(trx, input.orderNumber);

    const skus = await trx('skus')
      .join('products', 'products.id', 'skus.product_id')
      .whereIn('skus.sku', input.items.map((i) => i.sku))
      .select('skus.sku', 'skus.size', 'skus.price_pence', 'skus.vat_rate_bp', 'products.name');
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
    const subtotal = lines.reduce((sum, l) => sum + l.lineTotalPence, 0);
    const totals: OrderTotals = {
      currency: 'GBP',
      subtotalPence: subtotal,
      shippingPence: 0,
      totalPence: subtotal,
      vatPence: lines.reduce((sum, l) => sum + l.vatPence, 0),
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
    return { lines, totals };
  });
}

async function readRecorded(db: Db, orderNumber: string): Promise<RecordedOrder> {
  const order = await db('orders').where({ order_number: orderNumber }).first();
  const rows = await db('order_lines').where({ order_number: orderNumber }).orderBy('line_no');
  return {
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
}
